import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { defineJob, enqueueJob, enqueueJobs, type JobDefinition } from '../jobs/runner.js';
import { MailMessage, type Mailer } from './mailer.js';

const sendMailSpec = { name: 'platform.send-mail', payload: MailMessage, maxAttempts: 8 } as const;

/**
 * Queues a mail in the caller's transaction: it goes out once the change it reports is committed, and
 * is retried if the mail server is away, so nothing is lost.
 */
export async function enqueueMail(db: Kysely<Database>, message: MailMessage): Promise<void> {
  await enqueueJob(db, sendMailSpec, message);
}

/** `enqueueMail` for many messages in one statement (nightly notices); returns how many were queued. */
export async function enqueueMails(db: Kysely<Database>, messages: readonly MailMessage[]): Promise<number> {
  return enqueueJobs(
    db,
    sendMailSpec,
    messages.map((message) => ({ payload: message })),
  );
}

export function mailJobs(mailer: Mailer): JobDefinition[] {
  return [
    defineJob({
      ...sendMailSpec,
      async handle({ payload }) {
        // SMTP has no idempotency key; a crash between send and commit can repeat one mail, never lose it.
        await mailer.send(payload);
      },
    }) as JobDefinition,
  ];
}
