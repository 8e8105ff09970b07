import type { ColumnType, Selectable } from 'kysely';

/** Row types of the outreach tables (migrations 0040–0044). See schema.ts for the conventions. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T = Record<string, unknown>> = ColumnType<T, string | T | undefined, string | T>;

export type NotificationEmailState = 'pending' | 'deferred' | 'digest' | 'sent' | 'skipped';
export type NotificationPushState = 'pending' | 'deferred' | 'queued' | 'sent' | 'skipped';

export interface NotificationsTable {
  id: string;
  person_id: string;
  lg_code: string | null;
  kind: string;
  title: Json<{ ja: string; en: string }>;
  body: Json<{ ja: string; en: string }>;
  link: string | null;
  urgent: ColumnType<boolean, boolean | undefined, boolean>;
  idempotency_key: string | null;
  created_at: Timestamp;
  read_at: Date | null;
  email_state: ColumnType<NotificationEmailState, NotificationEmailState | undefined, NotificationEmailState>;
  email_sent_at: Date | null;
  push_state: ColumnType<NotificationPushState, NotificationPushState | undefined, NotificationPushState>;
  push_sent_at: Date | null;
}

export type EmailChoice = 'immediate' | 'digest' | 'off';

/** One kind's channels as the person set them; a missing field follows the kind's default. */
export interface ChannelChoice {
  inApp?: boolean;
  email?: EmailChoice;
  push?: boolean;
}

export interface NotificationPreferencesTable {
  person_id: string;
  channels: Json<Record<string, ChannelChoice>>;
  quiet_start: number | null;
  quiet_end: number | null;
  digest_hour: ColumnType<number, number | undefined, number>;
  email_paused: ColumnType<boolean, boolean | undefined, boolean>;
  updated_at: Timestamp;
}

export interface PushSubscriptionsTable {
  id: string;
  person_id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  device_label: ColumnType<string, string | undefined, string>;
  created_at: Timestamp;
  last_success_at: Date | null;
  failures: ColumnType<number, number | undefined, number>;
}

export interface OutreachTables {
  notifications: NotificationsTable;
  notification_preferences: NotificationPreferencesTable;
  push_subscriptions: PushSubscriptionsTable;
}

export type NotificationRow = Selectable<NotificationsTable>;
export type NotificationPreferencesRow = Selectable<NotificationPreferencesTable>;
export type PushSubscriptionRow = Selectable<PushSubscriptionsTable>;
