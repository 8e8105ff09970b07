import type { Locale } from '../../platform/i18n.js';
import { japanDate } from '../../platform/time.js';

const japan = 'Asia/Tokyo';

function dayFormat(locale: Locale) {
  return new Intl.DateTimeFormat(locale === 'ja' ? 'ja-JP' : 'en-GB', {
    year: 'numeric',
    month: locale === 'ja' ? 'long' : 'short',
    day: 'numeric',
    weekday: 'short',
    timeZone: japan,
  });
}

function timeFormat(locale: Locale) {
  return new Intl.DateTimeFormat(locale === 'ja' ? 'ja-JP' : 'en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    timeZone: japan,
  });
}

/**
 * When a session takes place, in Japan time, as people read it: 「2026年12月5日(土) 9:00〜12:00」, or with
 * both days for a session over several days (a festival from Friday to Sunday).
 */
export function sessionTimeText(startsAt: Date, endsAt: Date, locale: Locale): string {
  const day = dayFormat(locale);
  const time = timeFormat(locale);
  const dash = locale === 'ja' ? '〜' : '–';
  if (japanDate(startsAt) === japanDate(endsAt)) {
    return `${day.format(startsAt)} ${time.format(startsAt)}${dash}${time.format(endsAt)}`;
  }
  return `${day.format(startsAt)} ${time.format(startsAt)}${dash}${day.format(endsAt)} ${time.format(endsAt)}`;
}

/** The Japan calendar days a session covers, in order (a 3-day festival has three). */
export function sessionDays(startsAt: Date, endsAt: Date): string[] {
  const days: string[] = [];
  const last = japanDate(new Date(endsAt.getTime() - 1));
  let cursor = japanDate(startsAt);
  while (cursor <= last && days.length < 400) {
    days.push(cursor);
    const next = new Date(`${cursor}T00:00:00Z`);
    next.setUTCDate(next.getUTCDate() + 1);
    cursor = next.toISOString().slice(0, 10);
  }
  return days;
}

/** `YYYY-MM-DDTHH:mm` as typed into a datetime-local field, read as Japan time. */
export function fromJapanLocalInput(value: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return undefined;
  const date = new Date(`${value.length === 16 ? `${value}:00` : value}+09:00`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** The value a datetime-local field shows for an instant, in Japan time. */
export function toJapanLocalInput(instant: Date): string {
  return new Date(instant.getTime() + 9 * 60 * 60 * 1000).toISOString().slice(0, 16);
}
