import { accountSections, type AccountSection } from '../identity/index.js';
import { staffRoleLabels } from '../../platform/auth/tenant-roles.js';
import { withPerson } from '../../platform/db/tenant-scope.js';
import * as repository from './staff.repository.js';

/** On the account page, the way into the staff area for people who are staff somewhere. */
const staffAccountSection: AccountSection = async ({ page, session, db }) => {
  const memberships = await withPerson(db, session.personId, (trx) =>
    repository.listActiveMembershipsOfPerson(trx, session.personId),
  );
  if (memberships.length === 0) return null;
  const names = await repository.governmentNames(
    db,
    memberships.map((membership) => membership.lg_code),
  );
  return (
    <section aria-labelledby="staff-heading">
      <h2 id="staff-heading">{page.t({ ja: '職員の方へ', en: 'Staff work' })}</h2>
      <ul class="result-list">
        {memberships.map((membership) => {
          const government = names.get(membership.lg_code);
          const name = government
            ? government.kind === 'prefecture'
              ? government.name
              : `${government.prefectureName} ${government.name}`
            : membership.lg_code;
          return (
            <li>
              <a href={`/staff/${membership.lg_code}`}>{name}</a>
              <span class="muted">（{page.t(staffRoleLabels[membership.role])}）</span>
            </li>
          );
        })}
      </ul>
    </section>
  );
};

accountSections.push(staffAccountSection);
