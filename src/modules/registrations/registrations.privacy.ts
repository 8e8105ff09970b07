import { recordAuditEvent } from '../../platform/audit.js';
import { withPerson, withPersonInTransaction, withTenantInTransaction } from '../../platform/db/tenant-scope.js';
import { registerPersonalData } from '../../platform/privacy.js';
import { readMyRegistrationSurveyAnswers } from '../outreach/index.js';
import * as repository from './registrations.repository.js';

// Registrations: the person's answers and what they share with each government. On deletion every
// registration is released (ending any application) and the shared personal fields are erased; the
// government keeps the bare row, without anything that names the person, for past years' statistics.
registerPersonalData({
  name: 'registrations',
  async export(db, personId) {
    const rows = await withPerson(db, personId, (trx) => repository.listRegistrationsOfPerson(trx, personId));
    const optOuts = await repository.listOptOuts(db, personId);
    // The survey answers are a response to the registration survey (outreach); registrations made before
    // the answers moved there also kept them in the row.
    const surveys = await readMyRegistrationSurveyAnswers(db, personId);
    return {
      registrations: rows.map((row) => ({
        lgCode: row.lg_code,
        tier: row.tier,
        status: row.status,
        origin: row.origin,
        ownResidence: row.own_residence,
        shared: {
          name: row.shared_name,
          email: row.contact_email,
          ageBand: row.age_band,
          residenceLgCode: row.residence_lg_code,
          identityVerified: row.identity_verified,
        },
        survey: surveys.get(row.id) ?? {
          ties: row.relationship_ties,
          note: row.relationship_note,
          customAnswers: row.custom_answers,
        },
        premiumValidUntil: row.premium_valid_until,
        registeredAt: row.registered_at,
        endedAt: row.ended_at,
        endReason: row.end_reason,
      })),
      prefectureLinkOptOuts: optOuts,
    };
  },
  async erase(trx, personId) {
    const rows = await withPersonInTransaction(trx, personId, () =>
      repository.listRegistrationsOfPerson(trx, personId),
    );
    for (const row of rows) {
      await withTenantInTransaction(trx, row.lg_code, async (scope) => {
        if (row.status === 'active') {
          await repository.endRegistration(scope, row.id, 'account_deleted');
          const pending = await repository.findPendingApplication(scope, row.id);
          if (pending) {
            await repository.decideApplication(scope, pending.id, {
              status: 'withdrawn',
              decidedBy: 'system',
              reason: 'account_deleted',
            });
          }
          await recordAuditEvent(scope, {
            actor: { kind: 'person', id: personId },
            action: 'registration.released',
            subjectType: 'registration',
            subjectId: row.id,
            data: { reason: 'account_deleted', tier: row.tier },
          });
        }
        await repository.updateRegistration(scope, row.id, {
          shared_name: null,
          contact_email: null,
          relationship_note: null,
          custom_answers: JSON.stringify({}),
          show_name_on_card: false,
        });
      });
    }
    await trx.deleteFrom('prefecture_link_opt_outs').where('person_id', '=', personId).execute();
  },
});
