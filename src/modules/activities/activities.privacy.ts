import { recordAuditEvent } from '../../platform/audit.js';
import { withPerson, withPersonInTransaction, withTenantInTransaction } from '../../platform/db/tenant-scope.js';
import { registerPersonalData } from '../../platform/privacy.js';
import * as applications from './applications.repository.js';
import { promoteWaitlist } from './applications.service.js';
import * as attendance from './attendance.repository.js';
import * as projects from './projects.repository.js';

// Activities: the person's applications (with what they shared with organisers) and the days they were
// present. On deletion live applications are withdrawn (a confirmed place goes to the next person
// waiting) and the shared name, address and comment are erased; attendance rows stay without a name,
// for the organisers' and governments' counts of past years.
registerPersonalData({
  name: 'activities',
  async export(db, personId) {
    const [applied, present] = await withPerson(db, personId, async (trx) => [
      await applications.listApplicationsOfPerson(trx, personId),
      await attendance.listAttendanceOfPerson(trx, personId),
    ]);
    return {
      applications: applied.map((row) => ({
        lgCode: row.lg_code,
        sessionId: row.session_id,
        projectId: row.project_id,
        status: row.status,
        shared: { name: row.shared_name, email: row.contact_email, comment: row.comment },
        appliedAt: row.applied_at,
        endedAt: row.ended_at,
      })),
      attendance: present.map((row) => ({
        lgCode: row.lg_code,
        sessionId: row.session_id,
        projectId: row.project_id,
        activityDate: row.activity_date,
        method: row.method,
        countedForPremium: row.designated,
      })),
    };
  },
  async erase(trx, personId) {
    const applied = await withPersonInTransaction(trx, personId, () =>
      applications.listApplicationsOfPerson(trx, personId),
    );
    const present = await withPersonInTransaction(trx, personId, () =>
      attendance.listAttendanceOfPerson(trx, personId),
    );
    const tenants = new Set([...applied.map((row) => row.lg_code), ...present.map((row) => row.lg_code)]);
    for (const lgCode of tenants) {
      await withTenantInTransaction(trx, lgCode, async (scope) => {
        for (const row of applied.filter((application) => application.lg_code === lgCode)) {
          const live = row.status === 'confirmed' || row.status === 'waitlisted';
          const session = live ? await projects.lockSession(scope, row.session_id) : undefined;
          await applications.updateApplication(scope, row.id, {
            ...(live ? { status: 'withdrawn', ended_at: new Date() } : {}),
            shared_name: null,
            contact_email: null,
            comment: '',
          });
          if (live) {
            await recordAuditEvent(scope, {
              actor: { kind: 'person', id: personId },
              action: 'session_application.withdrawn',
              subjectType: 'session_application',
              subjectId: row.id,
              data: { reason: 'account_deleted' },
            });
          }
          if (session && row.status === 'confirmed') {
            const freed = await projects.updateSession(scope, session.id, {
              confirmed_count: session.confirmed_count - 1,
            });
            const project = await projects.findProject(scope, session.project_id);
            if (project) await promoteWaitlist(scope, { actor: { kind: 'system', id: null }, session: freed, project });
          }
        }
        await scope.trx
          .updateTable('attendance')
          .set({ shared_name: null })
          .where('lg_code', '=', scope.lgCode)
          .where('person_id', '=', personId)
          .execute();
      });
    }
  },
});
