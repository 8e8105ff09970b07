import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.js';
import type { Localized } from '../../platform/i18n.js';
import { enqueueMails } from '../../platform/mail/mail.jobs.js';

/**
 * What surveys and rooms tell people (a mention, the outcome of a report, a survey that opened), in the
 * shape of outreach's notifications (`notify`/`notifyMany` of part A). Until those are merged here, a
 * notification goes out as a plain mail to the person's address.
 */
export interface OutreachNotice {
  personId: string;
  lgCode?: string;
  /** e.g. `room.mention`, `room.report_resolved`, `survey.opened`. */
  kind: string;
  title: Localized;
  body: Localized;
  /** A path on this site. */
  link?: string;
  urgent?: boolean;
  idempotencyKey?: string;
}

/** Tells many people in one go, in the caller's transaction (sent once it commits). */
export async function tellPeople(
  db: Kysely<Database> | Transaction<Database>,
  notices: readonly OutreachNotice[],
): Promise<void> {
  if (notices.length === 0) return;
  const people = await db
    .selectFrom('persons')
    .select(['id', 'email', 'locale'])
    .where('id', 'in', [...new Set(notices.map((notice) => notice.personId))])
    .where('status', '=', 'active')
    .execute();
  const byId = new Map(people.map((person) => [person.id, person]));
  await enqueueMails(
    db,
    notices.flatMap((notice) => {
      const person = byId.get(notice.personId);
      if (!person?.email) return [];
      const locale = person.locale;
      return [
        {
          to: person.email,
          subject: `【ふるさと住民登録】${notice.title[locale]}`,
          text: `${notice.body[locale]}${notice.link ? `\n\n${notice.link}` : ''}`,
        },
      ];
    }),
  );
}

export async function tellPerson(db: Kysely<Database> | Transaction<Database>, notice: OutreachNotice): Promise<void> {
  await tellPeople(db, [notice]);
}
