import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.js';
import { defineNotificationKind } from './notifications.kinds.js';
import { notifyMany, type NotificationInput } from './notifications.service.js';

/**
 * What surveys and rooms tell people, through outreach's notifications (in the app, by mail or push as the
 * person chooses): a survey that opened for them, a mention, and the outcome of a report or of moderation.
 */
declare module './notifications.kinds.js' {
  interface NotificationKinds {
    /** A survey the person is in the audience of opened. */
    'outreach.survey_opened': true;
    /** Someone mentioned the person (@handle) in a community room. */
    'outreach.room_mention': true;
    /** Staff decided on a post the person reported, or moderated the person's post or participation. */
    'outreach.room_moderation': true;
  }
}

defineNotificationKind('outreach.survey_opened', {
  label: { ja: 'アンケートへのご協力のお願い', en: 'Surveys for you' },
  description: {
    ja: '登録している自治体が、あなたに回答をお願いするアンケートを始めたとき',
    en: 'When a government you are registered with opens a survey for you',
  },
  defaults: { email: 'digest', push: false },
});
defineNotificationKind('outreach.room_mention', {
  label: { ja: 'コミュニティでのメンション', en: 'Mentions in community rooms' },
  description: {
    ja: 'コミュニティルームで、だれかがあなたの名前（@ID）を書いて呼びかけたとき',
    en: 'When someone mentions you (@handle) in a community room',
  },
  defaults: { email: 'digest', push: true },
});
defineNotificationKind('outreach.room_moderation', {
  label: { ja: 'コミュニティの報告と管理', en: 'Community reports and moderation' },
  description: {
    ja: 'あなたが報告した投稿の確認結果、あなたの投稿や参加について管理者が対応したとき',
    en: 'The outcome of a post you reported, and when staff act on your post or your participation',
  },
  defaults: { email: 'immediate', push: true },
});

export type OutreachNotice = NotificationInput;

/** Tells many people at once, in the caller's transaction (nothing is told if it rolls back). */
export async function tellPeople(
  db: Kysely<Database> | Transaction<Database>,
  notices: readonly OutreachNotice[],
): Promise<void> {
  await notifyMany(db, notices);
}

export async function tellPerson(db: Kysely<Database> | Transaction<Database>, notice: OutreachNotice): Promise<void> {
  await notifyMany(db, [notice]);
}
