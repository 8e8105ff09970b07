import { registerPersonalData } from '../../platform/privacy.js';

// Notifications, preferences and push subscriptions are the person's own: exported whole, erased whole
// (a delivery still queued then finds no address and sends nothing).
registerPersonalData({
  name: 'notifications',
  async export(db, personId) {
    const notifications = await db
      .selectFrom('notifications')
      .select([
        'kind',
        'about_lg_code',
        'title',
        'body',
        'link',
        'urgent',
        'created_at',
        'read_at',
        'email_state',
        'push_state',
      ])
      .where('person_id', '=', personId)
      .orderBy('created_at')
      .execute();
    const preferences = await db
      .selectFrom('notification_preferences')
      .select(['channels', 'quiet_start', 'quiet_end', 'digest_hour', 'email_paused', 'updated_at'])
      .where('person_id', '=', personId)
      .executeTakeFirst();
    const pushSubscriptions = await db
      .selectFrom('push_subscriptions')
      .select(['device_label', 'created_at', 'last_success_at'])
      .where('person_id', '=', personId)
      .orderBy('created_at')
      .execute();
    return { notifications, preferences: preferences ?? null, pushSubscriptions };
  },
  async erase(trx, personId) {
    await trx.deleteFrom('notifications').where('person_id', '=', personId).execute();
    await trx.deleteFrom('notification_preferences').where('person_id', '=', personId).execute();
    await trx.deleteFrom('push_subscriptions').where('person_id', '=', personId).execute();
  },
});
