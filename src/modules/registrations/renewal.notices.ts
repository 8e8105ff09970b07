/**
 * The texts of the premium renewal notices, one function per notice, each in Japanese and English. They
 * go out as notifications (in the app, and by mail or push as the person chooses), which add the link to
 * 「登録している自治体」 and the site's name. Plain text: it reaches every phone.
 */
import type { Locale } from '../../platform/i18n.js';
import { defineNotificationKind } from '../outreach/index.js';

declare module '../outreach/index.js' {
  interface NotificationKinds {
    /** A premium registration is about to end, is under review, was renewed, or returned to basic. */
    'registrations.premium_renewal': true;
  }
}

defineNotificationKind('registrations.premium_renewal', {
  label: { ja: 'プレミアム登録の更新', en: 'Premium registration renewal' },
  description: {
    ja: 'プレミアム登録の有効期限が近いとき、更新されたとき、ベーシック登録に戻ったとき',
    en: 'When a premium registration is about to expire, was renewed, or returned to basic',
  },
  defaults: { email: 'immediate', push: true },
});

/** Where every notice links to: the person's registrations and their status. */
export const premiumNoticeLink = '/my/places';

/** One government's line in a notice. Dates are instants; they are shown as Japanese calendar days. */
export interface PremiumNoticeLine {
  /** Full name: 宮城県気仙沼市. */
  government: string;
  /** The expiry the notice is about. */
  validUntil: Date;
  /** After a renewal: the new expiry. */
  newValidUntil?: Date | undefined;
  /** Designated activities counted and required (the judgement). */
  count: number;
  required: number;
  /** manual: staff decide the renewal; automatic: the system does. */
  mode: 'manual' | 'automatic';
}

export interface PremiumNoticeInput {
  locale: Locale;
  lines: readonly PremiumNoticeLine[];
}

/** `title` is a mail's subject (the site's name is added in Japanese); `text` its body. */
type Notice = { title: string; text: string };

const longDate: Record<Locale, Intl.DateTimeFormat> = {
  ja: new Intl.DateTimeFormat('ja-JP', { dateStyle: 'long', timeZone: 'Asia/Tokyo' }),
  en: new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'Asia/Tokyo' }),
};

function counted(locale: Locale, line: PremiumNoticeLine): string {
  const missing = Math.max(0, line.required - line.count);
  if (locale === 'en') {
    return missing > 0
      ? `${line.count} of ${line.required} designated activities, ${missing} more needed`
      : `${line.count} designated activities (${line.required} needed)`;
  }
  return missing > 0
    ? `指定された担い手活動 ${line.count}回（必要 ${line.required}回）、あと${missing}回必要です`
    : `指定された担い手活動 ${line.count}回（必要 ${line.required}回）`;
}

/**
 * Automatic mode, a month before the expiry: with what the person has done, the requirement will not
 * be met at the expiry. Says what is missing and by when.
 */
export function premiumRenewalReminderMail(input: PremiumNoticeInput): Notice {
  const { locale } = input;
  const date = longDate[locale];
  if (locale === 'en') {
    return {
      title: 'Your premium registration ends soon unless the requirement is met',
      text: [
        'Your premium registration with the following will return to basic at its expiry unless you take part in enough designated 担い手 activities by then:',
        input.lines
          .map((line) => `・${line.government}: valid until ${date.format(line.validUntil)}; ${counted(locale, line)}`)
          .join('\n'),
        'Once the requirement is met, the registration renews for one more year by itself. Activities are listed on My places.',
      ].join('\n\n'),
    };
  }
  return {
    title: 'プレミアム登録の有効期限が近づいています',
    text: [
      '次の自治体のプレミアム登録は、有効期限までに指定された担い手活動の要件を満たさないと、ベーシック登録に戻ります。',
      input.lines
        .map((line) => `・${line.government}: 有効期限 ${date.format(line.validUntil)}、${counted(locale, line)}`)
        .join('\n'),
      '要件を満たせば、有効期限に自動的に1年更新されます。活動は「登録している自治体」のページから探せます。',
    ].join('\n\n'),
  };
}

/** Manual mode, a month before the expiry: the government's staff now review the renewal. */
export function premiumRenewalReviewMail(input: PremiumNoticeInput): Notice {
  const { locale } = input;
  const date = longDate[locale];
  if (locale === 'en') {
    return {
      title: 'Your premium registration is up for renewal',
      text: [
        'Your premium registration with the following expires soon, so the local government is reviewing its renewal. You will receive its decision by e-mail.',
        input.lines
          .map((line) => `・${line.government}: valid until ${date.format(line.validUntil)}; ${counted(locale, line)}`)
          .join('\n'),
        'If the renewal is not approved by the expiry, the registration returns to basic.',
      ].join('\n\n'),
    };
  }
  return {
    title: 'プレミアム登録の更新審査を始めました',
    text: [
      '次の自治体のプレミアム登録の有効期限が近づいたため、自治体が更新を審査します。結果はメールでお知らせします。',
      input.lines
        .map((line) => `・${line.government}: 有効期限 ${date.format(line.validUntil)}、${counted(locale, line)}`)
        .join('\n'),
      '有効期限までに更新が承認されない場合、ベーシック登録に戻ります。',
    ].join('\n\n'),
  };
}

/** Automatic mode, at the expiry: the requirement is met and the registration runs for another year. */
export function premiumRenewedMail(input: PremiumNoticeInput): Notice {
  const { locale } = input;
  const date = longDate[locale];
  const until = (line: PremiumNoticeLine) => date.format(line.newValidUntil ?? line.validUntil);
  if (locale === 'en') {
    return {
      title: 'Your premium registration was renewed',
      text: [
        'Thank you for your 担い手 activities. Your premium registration with the following was renewed for one year:',
        input.lines
          .map((line) => `・${line.government}: now valid until ${until(line)}; ${counted(locale, line)}`)
          .join('\n'),
        'Your registration card shows the new date.',
      ].join('\n\n'),
    };
  }
  return {
    title: 'プレミアム登録を更新しました',
    text: [
      '担い手活動へのご参加、ありがとうございます。次の自治体のプレミアム登録を1年更新しました。',
      input.lines
        .map((line) => `・${line.government}: 新しい有効期限 ${until(line)}、${counted(locale, line)}`)
        .join('\n'),
      '登録証にも新しい有効期限が表示されます。',
    ].join('\n\n'),
  };
}

/** At the expiry without renewal: the registration continues as basic. */
export function premiumLapsedMail(input: PremiumNoticeInput): Notice {
  const { locale } = input;
  const date = longDate[locale];
  if (locale === 'en') {
    const why = (line: PremiumNoticeLine) =>
      line.mode === 'manual' ? 'the renewal was not approved' : counted(locale, line);
    return {
      title: 'Your premium registration returned to basic',
      text: [
        'Your premium registration with the following reached its expiry without renewal and is now a basic registration. You stay registered and keep receiving news from the government.',
        input.lines
          .map((line) => `・${line.government}: expired ${date.format(line.validUntil)}; ${why(line)}`)
          .join('\n'),
        'Once you meet the requirement again, you can apply for premium again.',
      ].join('\n\n'),
    };
  }
  const why = (line: PremiumNoticeLine) =>
    line.mode === 'manual' ? '更新は承認されませんでした' : counted(locale, line);
  return {
    title: 'プレミアム登録がベーシック登録に戻りました',
    text: [
      '次の自治体のプレミアム登録は、更新されないまま有効期限を迎えたため、ベーシック登録に戻りました。登録は続いており、自治体からのお知らせも引き続き届きます。',
      input.lines
        .map((line) => `・${line.government}: 有効期限 ${date.format(line.validUntil)}、${why(line)}`)
        .join('\n'),
      '要件を満たしたら、もう一度プレミアム登録を申請できます。',
    ].join('\n\n'),
  };
}

export const premiumNoticeKinds = ['reminder', 'review', 'renewed', 'lapsed'] as const;
export type PremiumNoticeKind = (typeof premiumNoticeKinds)[number];

/** The text of each notice kind. */
export const premiumNoticeMails: Record<PremiumNoticeKind, (input: PremiumNoticeInput) => Notice> = {
  reminder: premiumRenewalReminderMail,
  review: premiumRenewalReviewMail,
  renewed: premiumRenewedMail,
  lapsed: premiumLapsedMail,
};
