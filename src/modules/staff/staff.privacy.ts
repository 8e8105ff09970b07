import { recordAuditEvent } from '../../platform/audit.js';
import { withPerson, withPersonInTransaction, withTenantInTransaction } from '../../platform/db/tenant-scope.js';
import { registerPersonalData } from '../../platform/privacy.js';
import * as repository from './staff.repository.js';

// Staff work: memberships in governments, the TOTP factor and the operator grant. A government keeps
// its own record of who was its staff (the membership row, marked removed); the account's part goes.
registerPersonalData({
  name: 'staff',
  async export(db, personId) {
    const memberships = await withPerson(db, personId, (trx) =>
      repository.listActiveMembershipsOfPerson(trx, personId),
    );
    const totp = await repository.findTotpFactor(db, personId);
    return {
      memberships: memberships.map((row) => ({
        lgCode: row.lg_code,
        role: row.role,
        organisationId: row.organisation_id,
      })),
      secondFactor: totp ? { kind: 'totp', confirmedAt: totp.confirmed_at } : null,
      operator: await repository.isOperator(db, personId),
    };
  },
  async erase(trx, personId) {
    const memberships = await withPersonInTransaction(trx, personId, () =>
      repository.listActiveMembershipsOfPerson(trx, personId),
    );
    for (const membership of memberships) {
      await withTenantInTransaction(trx, membership.lg_code, async (scope) => {
        await repository.markMembershipRemoved(scope, membership.id);
        await recordAuditEvent(scope, {
          actor: { kind: 'person', id: personId },
          action: 'staff.removed',
          subjectType: 'staff_membership',
          subjectId: membership.id,
          data: { role: membership.role, reason: 'account_deleted' },
        });
      });
    }
    await repository.deleteTotpFactor(trx, personId);
    await trx.deleteFrom('operators').where('person_id', '=', personId).execute();
  },
});
