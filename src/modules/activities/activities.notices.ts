import type { Localized } from '../../platform/i18n.js';
import { defineNotificationKind, type NotificationInput } from '../outreach/index.js';
import { sessionTimeText } from './activities.format.js';

/**
 * What activities tell people, through outreach's notifications: in the app always, and by mail or push
 * as each person chooses. The texts carry what a person needs without opening the site (what, when,
 * where, whom to ask), in Japanese and English.
 */
declare module '../outreach/index.js' {
  interface NotificationKinds {
    /** The person's own application was received: confirmed or on the waiting list. */
    'activities.application': true;
    /** A government decided on an organisation the person applied to register. */
    'activities.organisation_decision': true;
  }
}

defineNotificationKind('activities.application', {
  label: { ja: '活動への申し込みの受付', en: 'Your applications to activities' },
  description: {
    ja: '担い手活動への参加申し込みを受け付けたとき（参加確定・キャンセル待ち）',
    en: 'When your application to an activity is received (confirmed or waiting list)',
  },
  defaults: { email: 'immediate', push: false },
});
defineNotificationKind('activities.organisation_decision', {
  label: { ja: '関係団体の登録申請の結果', en: 'Decisions on organisations you registered' },
  description: {
    ja: 'あなたが申請した関係団体の登録を、自治体が承認・却下したとき',
    en: 'When a government approves or rejects an organisation you applied to register',
  },
  defaults: { email: 'immediate', push: true },
});

export interface SessionFacts {
  lgCode: string;
  session: { id: string; starts_at: Date; ends_at: Date };
  project: { title: string; place_name: string | null; contact: string | null };
}

/** Cancellations and moves up this close to the start skip the digest and quiet hours: people must act. */
const urgentWithinMs = 48 * 60 * 60 * 1000;

function sessionLines(facts: SessionFacts): Localized {
  const { session, project } = facts;
  return {
    ja: [
      `事業: ${project.title}`,
      `日時: ${sessionTimeText(session.starts_at, session.ends_at, 'ja')}`,
      ...(project.place_name ? [`場所: ${project.place_name}`] : []),
      ...(project.contact ? [`問い合わせ先: ${project.contact}`] : []),
    ].join('\n'),
    en: [
      `Activity: ${project.title}`,
      `When: ${sessionTimeText(session.starts_at, session.ends_at, 'en')}`,
      ...(project.place_name ? [`Where: ${project.place_name}`] : []),
      ...(project.contact ? [`Contact: ${project.contact}`] : []),
    ].join('\n'),
  };
}

const myActivitiesLink = '/my/activities';

const manageFooter: Localized = {
  ja: '申し込みの確認・キャンセルは「わたしの活動」のページからできます。',
  en: 'You can see or cancel your applications on the “My activities” page.',
};

function startsSoon(facts: SessionFacts, now: Date): boolean {
  return facts.session.starts_at.getTime() - now.getTime() <= urgentWithinMs;
}

/** The idempotency key of the notice of one application (the demo withdraws those of its back-dated history). */
export function applicationNoticeKey(applicationId: string): string {
  return `activities.application:${applicationId}`;
}

/** The person applied: a confirmed place, or a place on the waiting list. */
export function applicationReceivedNotice(
  facts: SessionFacts,
  person: { personId: string; applicationId: string; waitlistPosition: number | null },
): NotificationInput {
  const lines = sessionLines(facts);
  const waiting = person.waitlistPosition !== null;
  return {
    personId: person.personId,
    lgCode: facts.lgCode,
    kind: 'activities.application',
    title: waiting
      ? {
          ja: `キャンセル待ちで受け付けました: ${facts.project.title}`,
          en: `You are on the waiting list: ${facts.project.title}`,
        }
      : {
          ja: `参加の申し込みを受け付けました: ${facts.project.title}`,
          en: `Your place is confirmed: ${facts.project.title}`,
        },
    body: {
      ja:
        (waiting
          ? `定員に達しているため、キャンセル待ち（${person.waitlistPosition}番目）で受け付けました。空きが出ると自動で繰り上がり、お知らせします。`
          : '次の担い手活動への参加申し込みを受け付けました（参加確定）。') +
        `\n\n${lines.ja}\n\n当日は会場のQRコードを「わたしの活動」のページから読み取ってチェックインしてください。\n${manageFooter.ja}`,
      en:
        (waiting
          ? `The activity is full, so you are number ${person.waitlistPosition} on the waiting list. When a place frees you move up automatically and we will tell you.`
          : 'Your application to this activity is received and your place is confirmed.') +
        `\n\n${lines.en}\n\nOn the day, check in by scanning the QR code at the venue from the “My activities” page.\n${manageFooter.en}`,
    },
    link: myActivitiesLink,
    idempotencyKey: applicationNoticeKey(person.applicationId),
  };
}

/** A place freed and the person moved up from the waiting list. */
export function promotedNotice(
  facts: SessionFacts,
  person: { personId: string; applicationId: string },
  now: Date,
): NotificationInput {
  const lines = sessionLines(facts);
  return {
    personId: person.personId,
    lgCode: facts.lgCode,
    kind: 'activities.session_update',
    title: {
      ja: `キャンセル待ちから参加確定になりました: ${facts.project.title}`,
      en: `You moved up from the waiting list: ${facts.project.title}`,
    },
    body: {
      ja: `空きが出たため、キャンセル待ちから参加確定に繰り上がりました。\n\n${lines.ja}\n\n参加できなくなった場合は、ほかの方のために早めにキャンセルしてください。\n${manageFooter.ja}`,
      en: `A place freed, so your place is now confirmed.\n\n${lines.en}\n\nIf you cannot come, please cancel early so that someone else can.\n${manageFooter.en}`,
    },
    link: myActivitiesLink,
    urgent: startsSoon(facts, now),
    idempotencyKey: `activities.promoted:${person.applicationId}`,
  };
}

/** The organiser cancelled the session the person applied to. */
export function sessionCancelledNotice(
  facts: SessionFacts,
  person: { personId: string; applicationId: string },
  reason: string | undefined,
  now: Date,
): NotificationInput {
  const lines = sessionLines(facts);
  return {
    personId: person.personId,
    lgCode: facts.lgCode,
    kind: 'activities.session_update',
    title: {
      ja: `中止のお知らせ: ${facts.project.title}`,
      en: `Cancelled: ${facts.project.title}`,
    },
    body: {
      ja:
        `お申し込みいただいていた次の担い手活動は、中止になりました。\n\n${lines.ja}` +
        (reason ? `\n\n主催者からのお知らせ: ${reason}` : '') +
        '\n\nお申し込みは取り消されました。ご参加を予定してくださり、ありがとうございました。',
      en:
        `The activity you applied for has been cancelled.\n\n${lines.en}` +
        (reason ? `\n\nFrom the organiser: ${reason}` : '') +
        '\n\nYour application has been withdrawn. Thank you for planning to take part.',
    },
    link: myActivitiesLink,
    urgent: startsSoon(facts, now),
    idempotencyKey: `activities.cancelled:${person.applicationId}`,
  };
}

/** The organiser (an organisation, or the government when `sender` is null) wrote to the session's participants. */
export function organiserMessageNotice(
  facts: SessionFacts,
  message: { id: string; subject: string; body: string; sender: string | null },
  personId: string,
): NotificationInput {
  const lines = sessionLines(facts);
  const sender = { ja: message.sender ?? '自治体', en: message.sender ?? 'The local government' };
  return {
    personId,
    lgCode: facts.lgCode,
    kind: 'activities.session_update',
    title: { ja: `【${facts.project.title}】${message.subject}`, en: `[${facts.project.title}] ${message.subject}` },
    body: {
      ja: `${message.body}\n\n----\nこのお知らせは「${sender.ja}」から、次の担い手活動に申し込んだ方にお送りしています。\n${lines.ja}`,
      en: `${message.body}\n\n----\n“${sender.en}” sent this to the people who applied for this activity.\n${lines.en}`,
    },
    link: myActivitiesLink,
    idempotencyKey: `activities.message:${message.id}`,
  };
}

/** The government decided on an organisation the person applied to register. */
export function organisationDecisionNotice(options: {
  personId: string;
  lgCode: string;
  governmentName: string;
  organisation: { id: string; name: string };
  decision: 'approve' | 'reject';
  reason: string | null;
}): NotificationInput {
  const { governmentName, organisation } = options;
  const approved = options.decision === 'approve';
  return {
    personId: options.personId,
    lgCode: options.lgCode,
    kind: 'activities.organisation_decision',
    title: approved
      ? {
          ja: `${governmentName}が「${organisation.name}」の登録を承認しました`,
          en: `${governmentName} approved “${organisation.name}”`,
        }
      : {
          ja: `「${organisation.name}」の登録申請について`,
          en: `Your application for “${organisation.name}”`,
        },
    body: approved
      ? {
          ja:
            `${governmentName}が、関係団体「${organisation.name}」の登録を承認しました。\n` +
            'あなたはこの団体の団体担当者として、職員用ページから担い手活動（事業・日程・参加者・出欠）を管理できます。\n' +
            '職員用ページを初めて開くときは、認証アプリによる二段階認証の設定が必要です。',
          en:
            `${governmentName} approved the organisation “${organisation.name}”.\n` +
            'As its organisation staff you can manage its activities (projects, sessions, participants, attendance) on the staff pages.\n' +
            'The first time you open the staff pages you set up two-step verification with an authenticator app.',
        }
      : {
          ja:
            `${governmentName}は、関係団体「${organisation.name}」の登録申請を承認しませんでした。\n理由: ${options.reason ?? ''}\n\n` +
            'ご不明な点は、自治体の担当窓口にお問い合わせください。',
          en:
            `${governmentName} did not approve the organisation “${organisation.name}”.\nReason: ${options.reason ?? ''}\n\n` +
            'If anything is unclear, please ask the government’s office in charge.',
        },
    link: approved ? '/staff' : '/organisations/apply',
    idempotencyKey: `activities.organisation_decision:${organisation.id}`,
  };
}
