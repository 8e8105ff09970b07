import type { EmailChoice } from '../../platform/db/schema.js';
import type { Localized } from '../../platform/i18n.js';

/**
 * The kinds of notification. A kind is what a person chooses channels for on the preferences page, so it
 * names a reason to be told ("a premium decision"), not a template. The union is open: another module adds
 * its kinds by augmenting this interface and defining them at load time, without editing this file:
 *
 * ```ts
 * declare module '../outreach/index.js' {
 *   interface NotificationKinds { 'rooms.mention': true }
 * }
 * defineNotificationKind('rooms.mention', { label: {…}, description: {…}, defaults: { email: 'digest', push: true } });
 * ```
 *
 * Names are `<module>.<reason>` in lower case (the database checks the shape).
 */
export interface NotificationKinds {
  /** A premium application was approved or rejected (registrations). */
  'registrations.premium_decision': true;
  /** 「まだ登録を続けますか」: asked whether to keep a basic registration, or told it was released. */
  'registrations.stay_question': true;
  /** A government the person is registered with published a post. */
  'outreach.new_post': true;
  /** A saved search has new matches. */
  'outreach.saved_search': true;
  /** A session the person applied to changed or was cancelled (activities). */
  'activities.session_update': true;
}

export type NotificationKind = keyof NotificationKinds & string;

/** The channels of a kind for a person who chose nothing. In-app is on unless the kind says otherwise. */
export interface ChannelDefaults {
  inApp?: boolean;
  email: EmailChoice;
  push: boolean;
}

export interface NotificationKindDefinition {
  label: Localized;
  description: Localized;
  defaults: ChannelDefaults;
  /**
   * The person cannot turn e-mail off for this kind (account security, legal notices). None of ours is:
   * even the stay question can be answered by signing in, and the release is also shown in the app.
   */
  emailRequired?: boolean;
}

const definitions = new Map<string, NotificationKindDefinition>();

/** Declares a kind: its label on the preferences page and its default channels. Idempotent per name. */
export function defineNotificationKind(kind: NotificationKind, definition: NotificationKindDefinition): void {
  definitions.set(kind, definition);
}

/** The definition of a kind, or undefined for a name nobody defined (a bug in the caller). */
export function notificationKindDefinition(kind: string): NotificationKindDefinition | undefined {
  return definitions.get(kind);
}

/** Every defined kind, in the order they were defined (the preferences page lists them so). */
export function notificationKinds(): Array<[NotificationKind, NotificationKindDefinition]> {
  return [...definitions] as Array<[NotificationKind, NotificationKindDefinition]>;
}

defineNotificationKind('registrations.premium_decision', {
  label: { ja: 'プレミアム登録の審査結果', en: 'Premium registration decisions' },
  description: {
    ja: 'プレミアム登録の申請が承認・却下されたとき',
    en: 'When a premium application is approved or rejected',
  },
  defaults: { email: 'immediate', push: true },
});
defineNotificationKind('registrations.stay_question', {
  label: { ja: '登録を続けるかどうかの確認', en: 'Keeping your registrations' },
  description: {
    ja: 'しばらくご利用がない登録について、続けるかどうかを確認するとき、登録が解除されたとき',
    en: 'When we ask whether to keep a registration you have not used for a long time, or it was released',
  },
  defaults: { email: 'immediate', push: true },
});
defineNotificationKind('outreach.new_post', {
  label: { ja: '登録している自治体からのお知らせ', en: 'Posts from your places' },
  description: {
    ja: '登録している自治体や団体が、お知らせ・イベント・担い手募集などを公開したとき',
    en: 'When a government you are registered with (or its organisations) publishes news, events or calls for help',
  },
  defaults: { email: 'digest', push: false },
});
defineNotificationKind('outreach.saved_search', {
  label: { ja: '保存した検索の新着', en: 'New matches for saved searches' },
  description: {
    ja: '保存した検索の条件に合う投稿が新しく公開されたとき',
    en: 'When new posts match one of your saved searches',
  },
  defaults: { email: 'digest', push: false },
});
defineNotificationKind('activities.session_update', {
  label: { ja: '申し込んだ活動の変更・中止', en: 'Changes to activities you applied for' },
  description: {
    ja: '申し込んだ活動の日時の変更や中止、主催者からの連絡',
    en: 'When an activity you applied for changes or is cancelled, or its organiser writes to you',
  },
  defaults: { email: 'immediate', push: true },
});
