import { defineJob, type JobDefinition } from '../../platform/jobs/runner.js';
import { sendPushNotifications } from './notifications.push.js';
import {
  deliverDeferred,
  deliverDeferredSpec,
  deliverNotifications,
  deliverNotificationsSpec,
  sendDigests,
  sendPushSpec,
  type DeliverySettings,
} from './notifications.service.js';
import { z } from 'zod';

export const sendDigestsSpec = {
  name: 'outreach.send-digests',
  payload: z.object({ now: z.iso.datetime().optional() }),
  maxAttempts: 5,
} as const;

/**
 * Delivery of notifications (notifications.service.ts has the rules):
 *   notify ──► deliver-notifications (per 500) ──► platform.send-mail, send-push,
 *                                              └─► deliver-deferred at the end of a person's quiet hours
 *   send-digests (every hour at :00, Japan time) ──► one digest mail per person whose hour it is
 * Counts only in logs: no person ids or addresses.
 */
export function notificationJobs(options: { settings: DeliverySettings; clock?: () => Date }): JobDefinition[] {
  const clock = options.clock ?? (() => new Date());
  const { settings } = options;
  return [
    defineJob({
      ...deliverNotificationsSpec,
      async handle({ db, payload, logger }) {
        const counts = await deliverNotifications({ db, ids: payload.ids, now: clock(), settings });
        logger.debug(counts, 'notifications delivered');
      },
    }),
    defineJob({
      ...deliverDeferredSpec,
      async handle({ db, payload }) {
        // Never before the end it waited for, even if a worker picks it up early or the clock is moved.
        const at = new Date(payload.at);
        const now = clock();
        await deliverDeferred({ db, personId: payload.personId, now: now < at ? at : now, settings });
      },
    }),
    defineJob({
      ...sendPushSpec,
      async handle({ db, payload, logger }) {
        const counts = await sendPushNotifications({ db, personId: payload.personId, ids: payload.ids, settings });
        logger.debug(counts, 'push sent');
      },
    }),
    defineJob({
      ...sendDigestsSpec,
      schedule: { cron: '0 * * * *', payload: {} },
      async handle({ db, payload, logger }) {
        const counts = await sendDigests({ db, now: payload.now ? new Date(payload.now) : clock(), settings });
        if (counts.persons > 0) logger.info(counts, 'notification digests sent');
      },
    }),
  ] as JobDefinition[];
}
