import type { Kysely } from 'kysely';
import { deliverNotifications, deliverySettingsFrom } from '../../src/modules/outreach/index.js';
import { loadConfig } from '../../src/platform/config.js';
import type { Database } from '../../src/platform/db/schema.js';

/**
 * Runs the notification deliveries queued so far, as the job runner would, for tests that have no runner:
 * afterwards the mails they make are in the job table as `platform.send-mail` jobs.
 */
export async function deliverQueuedNotifications(
  db: Kysely<Database>,
  options: { now?: Date; publicUrl?: string } = {},
): Promise<void> {
  const jobs = await db
    .selectFrom('jobs')
    .select(['id', 'payload'])
    .where('name', '=', 'outreach.deliver-notifications')
    .where('status', '=', 'pending')
    .orderBy('id')
    .execute();
  if (jobs.length === 0) return;
  const config = loadConfig({ NODE_ENV: 'test', ...(options.publicUrl ? { PUBLIC_URL: options.publicUrl } : {}) });
  await deliverNotifications({
    db,
    ids: jobs.flatMap((job) => (job.payload as { ids: string[] }).ids),
    now: options.now ?? new Date(),
    settings: deliverySettingsFrom(config),
  });
  await db
    .updateTable('jobs')
    .set({ status: 'succeeded', finished_at: new Date() })
    .where(
      'id',
      'in',
      jobs.map((job) => job.id),
    )
    .execute();
}
