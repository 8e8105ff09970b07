import { personSubject, recordPersonAuditEvent } from '../../platform/audit.js';
import { registerPersonalData } from '../../platform/privacy.js';
import { listGuardianConsents } from './guardian.service.js';
import * as repository from './verification.repository.js';

// What the My Number card proved and the guardian consents asked for or given.
registerPersonalData({
  name: 'identityVerification',
  async export(db, personId) {
    const verifications = await repository.listVerificationsOf(db, personId);
    return {
      verifications: verifications.map((row) => ({
        id: row.id,
        issuer: row.issuer,
        verifiedAt: row.verified_at,
        expiresAt: row.expires_at,
        verifiedName: row.verified_name,
        birthDate: row.birth_date,
        minorAtVerification: row.minor,
        residencePrefectureCode: row.residence_prefecture_code,
        residenceLgCode: row.residence_lg_code,
        status: row.status,
      })),
      guardianConsents: await listGuardianConsents({ db, personId }),
    };
  },
  async erase(trx, personId) {
    const ended = await repository.eraseVerificationData(trx, personId);
    // A minor whose guardian leaves loses the consent, and their trail says why.
    for (const consent of ended) {
      await recordPersonAuditEvent(trx, {
        subject: personSubject(consent.minor_person_id),
        action: 'person.guardian_consent_withdrawn',
        data: { consentId: consent.id, scope: consent.scope, by: 'system', reason: 'guardian_account_deleted' },
      });
    }
  },
});
