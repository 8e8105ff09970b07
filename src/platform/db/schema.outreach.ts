import type { ColumnType, Selectable } from 'kysely';
import type { ProjectCategory } from './schema.activities.js';

/** Row types of the outreach tables (migrations 0040–0044). See schema.ts for the conventions. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T = Record<string, unknown>> = ColumnType<T, string | T | undefined, string | T>;

export type NotificationEmailState = 'pending' | 'deferred' | 'digest' | 'sent' | 'skipped';
export type NotificationPushState = 'pending' | 'deferred' | 'queued' | 'sent' | 'skipped';

export interface NotificationsTable {
  id: string;
  person_id: string;
  /** The government the notification is about, if any (migration 0044 renamed it from lg_code). */
  about_lg_code: string | null;
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

export const postKinds = ['notice', 'event', 'recruitment', 'attraction'] as const;
export type PostKind = (typeof postKinds)[number];
export type PostStatus = 'draft' | 'scheduled' | 'published' | 'archived';
export type PostAudience = 'public' | 'registrants';

export interface PostsTable {
  lg_code: string;
  id: string;
  prefecture_code: string;
  organisation_id: string | null;
  project_id: string | null;
  kind: PostKind;
  category: ProjectCategory | null;
  audience: ColumnType<PostAudience, PostAudience | undefined, PostAudience>;
  title: string;
  summary: ColumnType<string, string | undefined, string>;
  body: ColumnType<string, string | undefined, string>;
  place_name: ColumnType<string, string | undefined, string>;
  place_address: ColumnType<string, string | undefined, string>;
  place_lg_code: string | null;
  starts_at: Date | null;
  ends_at: Date | null;
  tags: ColumnType<string[], string[] | undefined, string[]>;
  status: ColumnType<PostStatus, PostStatus | undefined, PostStatus>;
  publish_at: Date | null;
  published_at: Date | null;
  archived_at: Date | null;
  search_title: ColumnType<string, string | undefined, string>;
  search_text: ColumnType<string, string | undefined, string>;
  search_tokens: ColumnType<string[], string[] | undefined, string[]>;
  created_by: string;
  updated_by: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PostImagesTable {
  lg_code: string;
  id: string;
  post_id: string;
  position: ColumnType<number, number | undefined, number>;
  alt_text: ColumnType<string, string | undefined, string>;
  content_type: 'image/webp' | 'image/jpeg';
  width: number;
  height: number;
  bytes: Uint8Array;
  thumbnail: Uint8Array;
  created_by: string;
  created_at: Timestamp;
}

/** The public read model of the nationwide search (migration 0043): published public posts only. */
export interface PostSearchTable {
  lg_code: string;
  id: string;
  prefecture_code: string;
  organisation_id: string | null;
  organisation_name: string | null;
  project_id: string | null;
  kind: PostKind;
  category: ProjectCategory | null;
  title: string;
  summary: string;
  place_name: string;
  starts_at: Date | null;
  ends_at: Date | null;
  tags: string[];
  published_at: Date;
  thumbnail_id: string | null;
  thumbnail_alt: string | null;
  search_title: string;
  search_text: string;
  search_tokens: string[];
}

export interface SavedSearchesTable {
  id: string;
  person_id: string;
  name: string;
  query: Json<Record<string, string>>;
  notify: ColumnType<boolean, boolean | undefined, boolean>;
  checked_until: Timestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface OutreachTables {
  notifications: NotificationsTable;
  notification_preferences: NotificationPreferencesTable;
  push_subscriptions: PushSubscriptionsTable;
  posts: PostsTable;
  post_images: PostImagesTable;
  post_search: PostSearchTable;
  saved_searches: SavedSearchesTable;
}

export type PostRow = Selectable<PostsTable>;
export type SavedSearchRow = Selectable<SavedSearchesTable>;

export type NotificationRow = Selectable<NotificationsTable>;
export type NotificationPreferencesRow = Selectable<NotificationPreferencesTable>;
export type PushSubscriptionRow = Selectable<PushSubscriptionsTable>;
