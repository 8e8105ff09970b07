import { sql, type Kysely } from 'kysely';
import { personSubject, recordPersonAuditEvent } from '../../platform/audit.js';
import type { Database } from '../../platform/db/schema.js';
import { AppError } from '../../platform/errors.js';
import { personalDataContributors, registerPersonalData } from '../../platform/privacy.js';

// The account itself: profile, sessions, sign-in challenges and the person's own trail.
registerPersonalData({
  name: 'account',
  async export(db, personId) {
    const person = await db
      .selectFrom('persons')
      .select(['id', 'email', 'display_name', 'locale', 'created_at', 'last_access_at'])
      .where('id', '=', personId)
      .executeTakeFirst();
    const sessions = await db
      .selectFrom('sessions')
      .select(['id', 'authenticated_by', 'device_label', 'created_at', 'last_seen_at', 'expires_at', 'revoked_at'])
      .where('person_id', '=', personId)
      .orderBy('created_at')
      .execute();
    const events = await db
      .selectFrom('person_audit_events')
      .select(['occurred_at', 'action', 'data'])
      .where('subject', '=', personSubject(personId))
      .orderBy('occurred_at')
      .execute();
    return { person, sessions, events };
  },
  async erase(trx, personId) {
    const person = await trx.selectFrom('persons').select('email').where('id', '=', personId).executeTakeFirst();
    if (person?.email) await trx.deleteFrom('email_challenges').where('email', '=', person.email).execute();
    await trx.deleteFrom('sessions').where('person_id', '=', personId).execute();
    await trx
      .updateTable('persons')
      .set({ email: null, display_name: null, status: 'deleted', deleted_at: sql<Date>`now()` })
      .where('id', '=', personId)
      .execute();
  },
});

/**
 * Everything the platform holds about the person, as one JSON document (the right of access). Each
 * module contributes its part; the export itself is audited.
 */
export async function exportMyData(options: { db: Kysely<Database>; personId: string; requestId?: string }) {
  const document: Record<string, unknown> = {
    exportedAt: new Date().toISOString(),
    format: 'furusato-personal-data/1',
  };
  for (const contributor of personalDataContributors()) {
    document[contributor.name] = await contributor.export(options.db, options.personId);
  }
  await recordPersonAuditEvent(options.db, {
    subject: personSubject(options.personId),
    action: 'person.data_exported',
    data: { parts: personalDataContributors().map((contributor) => contributor.name) },
    ...(options.requestId ? { requestId: options.requestId } : {}),
  });
  return document;
}

/**
 * Deletes the account: every module withdraws and erases its part (registrations are withdrawn, sessions
 * end), in one transaction. The audit trail keeps its entries under the account's random id, whose row
 * no longer holds an address or a name: pseudonymous from then on.
 */
export async function deleteMyAccount(options: {
  db: Kysely<Database>;
  personId: string;
  confirmation: string;
  requestId?: string;
}): Promise<void> {
  if (options.confirmation.trim() !== '削除' && options.confirmation.trim().toLowerCase() !== 'delete') {
    throw new AppError('validation_failed', {
      fieldErrors: [{ field: 'confirmation', in: 'form', message: 'type 削除 (or delete) to confirm' }],
      detail: {
        ja: '確認のため「削除」と入力してください。',
        en: 'To confirm, type "delete".',
      },
    });
  }
  await options.db.transaction().execute(async (trx) => {
    // Erase in reverse registration order: later modules (registrations…) depend on the account.
    for (const contributor of [...personalDataContributors()].reverse()) {
      await contributor.erase(trx, options.personId);
    }
    await recordPersonAuditEvent(trx, {
      subject: personSubject(options.personId),
      action: 'person.deleted',
      data: { parts: personalDataContributors().map((contributor) => contributor.name) },
      ...(options.requestId ? { requestId: options.requestId } : {}),
    });
  });
}
