import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.js';
import type { Localized } from '../../platform/i18n.js';
import { fiscalYearOf, fiscalYearRange } from '../../platform/time.js';
import type { RegistrationSettings } from '../municipalities/index.js';

/** Designated 担い手 activity days a person attended for a government in a window. */
export type DesignatedActivityCounter = (options: {
  db: Kysely<Database>;
  lgCode: string;
  personId: string;
  window: { start: Date; end: Date };
}) => Promise<{ activityDays: number; daysPresent: number }>;

// Attendance records arrive with the activities module, which replaces this counter; until then no
// one has attended anything, which is the truth.
let countDesignatedActivities: DesignatedActivityCounter = async () => ({ activityDays: 0, daysPresent: 0 });

export function useDesignatedActivityCounter(counter: DesignatedActivityCounter): void {
  countDesignatedActivities = counter;
}

export interface PremiumJudgement {
  met: boolean;
  /** Designated activities counted (a continuous multi-day activity counts one per day attended). */
  count: number;
  required: number;
  longStay: boolean;
  window: { start: string; end: string; kind: RegistrationSettings['premiumWindow'] };
  explanation: Localized;
}

export function judgementWindow(settings: RegistrationSettings, now: Date): { start: Date; end: Date } {
  if (settings.premiumWindow === 'fiscal_year') return fiscalYearRange(fiscalYearOf(now));
  const start = new Date(now);
  start.setUTCFullYear(start.getUTCFullYear() - 1);
  return { start, end: now };
}

/**
 * The one place that decides whether a person meets a government's premium requirement (L5845–5847):
 * designated activities in the window against the government's minimum, and the long-stay mark.
 * Explained in words a person can act on ("2 of 3: 1 more needed").
 */
export async function judgePremiumRequirement(options: {
  db: Kysely<Database>;
  lgCode: string;
  personId: string;
  settings: RegistrationSettings;
  now?: Date;
}): Promise<PremiumJudgement> {
  const now = options.now ?? new Date();
  const window = judgementWindow(options.settings, now);
  const { activityDays, daysPresent } = await countDesignatedActivities({ ...options, window });
  const required = options.settings.premiumMinActivities;
  const missing = Math.max(0, required - activityDays);
  return {
    met: missing === 0,
    count: activityDays,
    required,
    longStay: daysPresent >= options.settings.longStayDays,
    window: { start: window.start.toISOString(), end: window.end.toISOString(), kind: options.settings.premiumWindow },
    explanation:
      missing === 0
        ? {
            ja: `指定された担い手活動 ${activityDays}回（必要 ${required}回）: 要件を満たしています。`,
            en: `${activityDays} designated activities (${required} needed): the requirement is met.`,
          }
        : {
            ja: `指定された担い手活動 ${activityDays}回（必要 ${required}回）: あと${missing}回必要です。`,
            en: `${activityDays} of ${required} designated activities: ${missing} more needed.`,
          },
  };
}
