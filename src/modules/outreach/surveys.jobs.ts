import { z } from 'zod';
import { withTenant, type TenantScope } from '../../platform/db/tenant-scope.js';
import { defineJob, enqueueJob, type JobDefinition } from '../../platform/jobs/runner.js';
import { surveyPhase } from './surveys.policy.js';
import * as repository from './surveys.repository.js';
import { tellPeople } from './rooms.notify.js';

const surveyOpenedSpec = {
  name: 'outreach.survey-opened',
  payload: z.object({ lgCode: z.string(), surveyId: z.uuid() }),
  maxAttempts: 5,
} as const;

/**
 * Queues "a survey for you is open" for the time the survey opens (now, or its opening time), in the
 * publishing transaction. One job per survey (idempotency key), however often it is published.
 */
export async function scheduleSurveyOpeningNotice(
  scope: TenantScope,
  options: { surveyId: string; opensAt: Date },
): Promise<void> {
  await enqueueJob(
    scope.trx,
    surveyOpenedSpec,
    { lgCode: scope.lgCode, surveyId: options.surveyId },
    {
      runAt: options.opensAt,
      lgCode: scope.lgCode,
      idempotencyKey: `survey-opened:${scope.lgCode}:${options.surveyId}`,
    },
  );
}

/**
 * Tells every registrant in the audience that the survey opened, in one set-based fan-out. Idempotent: a
 * survey closed meanwhile tells nobody, and each notice has its own idempotency key, so a rerun after a
 * crash repeats none.
 */
export const surveyJobs: JobDefinition[] = [
  defineJob({
    ...surveyOpenedSpec,
    async handle({ db, payload }) {
      await withTenant(db, payload.lgCode, async (scope) => {
        const survey = await repository.findSurvey(scope, payload.surveyId);
        if (!survey || surveyPhase(survey, new Date()) !== 'open') return;
        const people = await repository.listAudience(scope, {
          tier: survey.audience_tier,
          ties: survey.audience_ties,
        });
        const link = `/my/surveys/${scope.lgCode}/${survey.id}`;
        await tellPeople(
          scope.trx,
          people.map((personId) => ({
            personId,
            lgCode: scope.lgCode,
            kind: 'outreach.survey_opened',
            title: { ja: 'アンケートへのご協力のお願い', en: 'A survey for you' },
            body: {
              ja: `「${survey.title}」への回答を受け付けています。${survey.closes_at ? `締め切りは${japanDateTime(survey.closes_at)}です。` : ''}`,
              en: `"${survey.title_en ?? survey.title}" is open for your answers.`,
            },
            link,
            idempotencyKey: `survey-opened:${survey.id}:${personId}`,
          })),
        );
      });
    },
  }) as JobDefinition,
];

function japanDateTime(instant: Date): string {
  return new Intl.DateTimeFormat('ja-JP', { dateStyle: 'long', timeStyle: 'short', timeZone: 'Asia/Tokyo' }).format(
    instant,
  );
}
