import type { Actor } from '../../platform/audit.js';
import { tenantRoleOf } from '../../platform/auth/tenant-roles.js';
import type { SurveyAudienceTier } from '../../platform/db/schema.js';

/**
 * Who writes a government's surveys and reads their results: its administrators and staff (with a second
 * factor). Organisation staff and operators do not: the registrants are the government's personal data,
 * and even counted answers are about them.
 */
export function mayManageSurveys(actor: Actor, lgCode: string): boolean {
  const role = tenantRoleOf(actor, lgCode);
  return role === 'tenant_admin' || role === 'tenant_staff';
}

/** Whether a registrant is in a survey's audience: the tier asked for, and one of the ties if any are named. */
export function isInAudience(
  audience: { tier: SurveyAudienceTier; ties: readonly string[] },
  registration: { tier: 'basic' | 'premium'; ties: readonly string[] },
): boolean {
  if (audience.tier !== 'all' && audience.tier !== registration.tier) return false;
  return audience.ties.length === 0 || audience.ties.some((tie) => registration.ties.includes(tie));
}

export type SurveyPhase = 'draft' | 'scheduled' | 'open' | 'ended';

/** Where a survey stands now: only `open` takes answers. */
export function surveyPhase(
  survey: { status: 'draft' | 'published' | 'closed'; opens_at: Date | null; closes_at: Date | null },
  now: Date,
): SurveyPhase {
  if (survey.status === 'draft') return 'draft';
  if (survey.status === 'closed') return 'ended';
  if (survey.opens_at && now < survey.opens_at) return 'scheduled';
  if (survey.closes_at && now >= survey.closes_at) return 'ended';
  return 'open';
}

/**
 * The privacy rule for results (docs/decisions/0014-survey-results-privacy.md): nothing is shown until
 * `resultThreshold` answers are counted, nor for a question fewer than that answered; answers join the
 * results in groups of `resultStep`, so that watching the live results never shows one person's answers
 * arrive on their own.
 */
export const resultThreshold = 10;
export const resultStep = 5;

/** How many of `responses` the results count now (0: none shown yet). */
export function countedResponses(responses: number): number {
  if (responses < resultThreshold) return 0;
  return Math.floor(responses / resultStep) * resultStep;
}
