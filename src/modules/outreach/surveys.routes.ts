import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { createRouter, type AppEnv, type AppRouter } from '../../platform/http/app.js';
import { csrfHeaderName } from '../../platform/http/csrf.js';
import { problemResponse } from '../../platform/http/problem.js';
import { requireSession } from '../../platform/http/session.js';
import { LgCode } from '../../platform/lg-code.js';
import { enterTenantStaffArea } from '../staff/index.js';
import { csvResponse } from './surveys.csv.js';
import { SurveyQuestion, type SurveyAnswers } from './surveys.engine.js';
import { resultThreshold, resultStep } from './surveys.policy.js';
import { relationshipTies } from './surveys.registration.js';
import {
  answerSurvey,
  closeSurvey,
  createSurvey,
  deleteSurvey,
  exportSurveyResults,
  getSurvey,
  getSurveyForRespondent,
  getSurveyResults,
  listMySurveys,
  listSurveys,
  publishSurvey,
  replaceSurveyQuestions,
  updateSurveySettings,
  type Survey,
  type SurveyResults,
  type SurveyToAnswer,
} from './surveys.service.js';

const tags = ['outreach'];
const csrfNote = `State-changing requests need the \`${csrfHeaderName}\` header with the value of the \`csrf\` cookie.`;
const staffNote =
  "Needs a session of this local government's administrator (自治体管理者) or staff (自治体職員) that proved a " +
  'second factor; for anyone else the survey does not exist (404).';
const privacyNote =
  `Results follow the privacy rule: nothing until ${resultThreshold} answers are counted, no question answered by ` +
  `fewer than ${resultThreshold}, answers joining the results in groups of ${resultStep}, free text apart and shuffled, ` +
  'and never a row per respondent.';

const QuestionSchema = SurveyQuestion.openapi('SurveyQuestion');

const SurveySchema = z
  .object({
    lgCode: z.string(),
    id: z.uuid(),
    purpose: z.enum(['monitor', 'registration']).meta({
      description: 'monitor: written by the government; registration: the relationship survey asked at registration',
    }),
    title: z.string(),
    titleEn: z.string().nullable(),
    description: z.string(),
    status: z.enum(['draft', 'published', 'closed']),
    phase: z.enum(['draft', 'scheduled', 'open', 'ended']).meta({ description: 'Only `open` takes answers' }),
    audience: z.object({
      tier: z.enum(['all', 'basic', 'premium']),
      ties: z.array(z.string()).meta({ description: 'Relationship ties; empty: any' }),
    }),
    opensAt: z.iso.datetime().nullable(),
    closesAt: z.iso.datetime().nullable(),
    questions: z.array(QuestionSchema),
    responseCount: z.number().int(),
    createdAt: z.iso.datetime(),
    publishedAt: z.iso.datetime().nullable(),
    closedAt: z.iso.datetime().nullable(),
  })
  .openapi('Survey');

const SettingsSchema = z
  .object({
    title: z.string().min(1).max(200),
    titleEn: z.string().max(200).optional(),
    description: z.string().max(4000).optional(),
    audienceTier: z.enum(['all', 'basic', 'premium']).optional(),
    audienceTies: z.array(z.enum(relationshipTies)).optional(),
    opensAt: z.iso.datetime({ offset: true }).optional().meta({ description: 'Absent: opens when published' }),
    closesAt: z.iso.datetime({ offset: true }).optional().meta({ description: 'Needed before publishing' }),
  })
  .openapi('SurveySettings');

const CountSchema = z.object({
  value: z.string(),
  label: z.object({ ja: z.string(), en: z.string().optional() }),
  count: z.number().int(),
});

const ResultsSchema = z
  .object({
    surveyId: z.uuid(),
    responseCount: z.number().int().meta({ description: 'Every response so far' }),
    countedCount: z.number().int().meta({ description: 'Responses the results count (0 below the threshold)' }),
    threshold: z.number().int(),
    questions: z.array(
      z.object({
        questionId: z.string(),
        label: z.object({ ja: z.string(), en: z.string().optional() }),
        kind: z.enum(['single', 'multiple', 'scale', 'text']),
        answered: z.number().int(),
        suppressed: z.boolean().meta({ description: 'Fewer than the threshold answered: nothing is shown' }),
        counts: z.array(CountSchema).optional(),
        mean: z.number().nullable().optional(),
        texts: z.array(z.string()).optional().meta({ description: 'Up to 30, shuffled; the comments CSV has all' }),
        textCount: z.number().int().optional(),
      }),
    ),
  })
  .openapi('SurveyResults');

const SurveyToAnswerSchema = z
  .object({
    lgCode: z.string(),
    governmentName: z.string(),
    id: z.uuid(),
    title: z.string(),
    titleEn: z.string().nullable(),
    description: z.string(),
    phase: z.enum(['draft', 'scheduled', 'open', 'ended']),
    opensAt: z.iso.datetime().nullable(),
    closesAt: z.iso.datetime().nullable(),
    answeredAt: z.iso.datetime().nullable(),
  })
  .openapi('SurveyToAnswer');

const AnswerValue = z.union([z.string().max(4000), z.array(z.string().max(100)).max(30), z.number()]);

const tenantParams = z.object({ lgCode: LgCode.meta({ param: { name: 'lgCode', in: 'path' } }) });
const surveyParams = tenantParams.extend({
  surveyId: z.string().meta({ param: { name: 'surveyId', in: 'path' } }),
});

function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}

function surveyJson(survey: Survey) {
  return {
    ...survey,
    opensAt: iso(survey.opensAt),
    closesAt: iso(survey.closesAt),
    createdAt: survey.createdAt.toISOString(),
    publishedAt: iso(survey.publishedAt),
    closedAt: iso(survey.closedAt),
  };
}

function toAnswerJson(survey: SurveyToAnswer) {
  return {
    lgCode: survey.lgCode,
    governmentName: survey.governmentName,
    id: survey.id,
    title: survey.title,
    titleEn: survey.titleEn,
    description: survey.description,
    phase: survey.phase,
    opensAt: iso(survey.opensAt),
    closesAt: iso(survey.closesAt),
    answeredAt: iso(survey.answeredAt),
  };
}

function answersJson(answers: SurveyAnswers | undefined) {
  if (!answers) return null;
  return Object.fromEntries(
    [...answers].map(([id, answer]) => [id, answer.kind === 'choices' ? answer.values : answer.value]),
  );
}

function resultsJson(results: SurveyResults) {
  return {
    surveyId: results.survey.id,
    responseCount: results.responseCount,
    countedCount: results.countedCount,
    threshold: results.threshold,
    questions: results.questions.map((result) => ({
      questionId: result.question.id,
      label: result.question.label,
      kind: result.question.kind,
      answered: result.answered,
      suppressed: result.suppressed,
      ...(result.kind === 'text' ? { texts: result.texts, textCount: result.textCount } : { counts: result.counts }),
      ...(result.kind === 'scale' ? { mean: result.mean } : {}),
    })),
  };
}

function settingsFrom(body: z.infer<typeof SettingsSchema>) {
  return {
    title: body.title,
    ...(body.titleEn ? { titleEn: body.titleEn } : {}),
    ...(body.description !== undefined ? { description: body.description } : {}),
    ...(body.audienceTier ? { audienceTier: body.audienceTier } : {}),
    ...(body.audienceTies ? { audienceTies: body.audienceTies } : {}),
    ...(body.opensAt ? { opensAt: new Date(body.opensAt) } : {}),
    ...(body.closesAt ? { closesAt: new Date(body.closesAt) } : {}),
  };
}

const staffResponses = {
  401: problemResponse('Not signed in'),
  403: problemResponse('Second factor needed, or CSRF token missing'),
  404: problemResponse('Not staff of this government, or no such survey'),
};

const listRoute = createRoute({
  method: 'get',
  path: '/api/v1/tenants/{lgCode}/surveys',
  tags,
  summary: "The government's surveys: the registration survey first, then its own, newest first",
  description: staffNote,
  request: { params: tenantParams },
  responses: {
    200: {
      description: 'Surveys',
      content: { 'application/json': { schema: z.object({ items: z.array(SurveySchema) }) } },
    },
    ...staffResponses,
  },
});

const createSurveyRoute = createRoute({
  method: 'post',
  path: '/api/v1/tenants/{lgCode}/surveys',
  tags,
  summary: 'Start a survey (a draft nobody sees until it is published)',
  description: `${staffNote} ${csrfNote}`,
  request: {
    params: tenantParams,
    body: { required: true, content: { 'application/json': { schema: SettingsSchema } } },
  },
  responses: {
    201: { description: 'Created', content: { 'application/json': { schema: SurveySchema } } },
    400: problemResponse('Invalid settings (the fields are named)'),
    ...staffResponses,
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/api/v1/tenants/{lgCode}/surveys/{surveyId}',
  tags,
  summary: 'One survey with its questions and how many answered',
  description: staffNote,
  request: { params: surveyParams },
  responses: {
    200: { description: 'The survey', content: { 'application/json': { schema: SurveySchema } } },
    ...staffResponses,
  },
});

const updateRoute = createRoute({
  method: 'patch',
  path: '/api/v1/tenants/{lgCode}/surveys/{surveyId}',
  tags,
  summary: 'Change title, description, audience and period (a draft), or only the closing time (published)',
  description: `${staffNote} ${csrfNote}`,
  request: {
    params: surveyParams,
    body: { required: true, content: { 'application/json': { schema: SettingsSchema } } },
  },
  responses: {
    200: { description: 'Saved', content: { 'application/json': { schema: SurveySchema } } },
    400: problemResponse('Invalid settings'),
    409: problemResponse('Published: only the closing time may change; closed: nothing'),
    ...staffResponses,
  },
});

const deleteRoute = createRoute({
  method: 'delete',
  path: '/api/v1/tenants/{lgCode}/surveys/{surveyId}',
  tags,
  summary: 'Delete a draft',
  description: `${staffNote} ${csrfNote}`,
  request: { params: surveyParams },
  responses: {
    204: { description: 'Deleted' },
    409: problemResponse('Published surveys are kept'),
    ...staffResponses,
  },
});

const questionsRoute = createRoute({
  method: 'put',
  path: '/api/v1/tenants/{lgCode}/surveys/{surveyId}/questions',
  tags,
  summary: 'Replace the questions of a draft',
  description:
    'Kinds: `single`, `multiple` (optional `maxChoices`), `scale` (`min` 0 or 1 to `max` 2–10) and `text` ' +
    '(`maxLength`, `multiline`). `required` applies when the question is shown; `showIf` shows a question only ' +
    'when an earlier choice or scale question was answered with one of `anyOf`. ' +
    `${staffNote} ${csrfNote}`,
  request: {
    params: surveyParams,
    body: {
      required: true,
      content: { 'application/json': { schema: z.object({ questions: z.array(z.unknown()) }) } },
    },
  },
  responses: {
    200: { description: 'Saved', content: { 'application/json': { schema: SurveySchema } } },
    400: problemResponse('Invalid questions (the fields are named, e.g. questions.2.showIf)'),
    409: problemResponse('Not a draft'),
    ...staffResponses,
  },
});

const publishRoute = createRoute({
  method: 'post',
  path: '/api/v1/tenants/{lgCode}/surveys/{surveyId}/publish',
  tags,
  summary: 'Publish a draft: it opens at its opening time (or now) and its audience is told',
  description: `${staffNote} ${csrfNote}`,
  request: { params: surveyParams },
  responses: {
    200: { description: 'Published', content: { 'application/json': { schema: SurveySchema } } },
    400: problemResponse('No questions, or no closing time in the future'),
    409: problemResponse('Not a draft'),
    ...staffResponses,
  },
});

const closeRoute = createRoute({
  method: 'post',
  path: '/api/v1/tenants/{lgCode}/surveys/{surveyId}/close',
  tags,
  summary: 'End a published survey now',
  description: `${staffNote} ${csrfNote}`,
  request: { params: surveyParams },
  responses: {
    200: { description: 'Closed', content: { 'application/json': { schema: SurveySchema } } },
    409: problemResponse('Not published'),
    ...staffResponses,
  },
});

const resultsRoute = createRoute({
  method: 'get',
  path: '/api/v1/tenants/{lgCode}/surveys/{surveyId}/results',
  tags,
  summary: 'Live results (also of the registration survey)',
  description: `${privacyNote} ${staffNote}`,
  request: { params: surveyParams },
  responses: {
    200: { description: 'Results', content: { 'application/json': { schema: ResultsSchema } } },
    ...staffResponses,
  },
});

const exportRoute = createRoute({
  method: 'get',
  path: '/api/v1/tenants/{lgCode}/surveys/{surveyId}/results.csv',
  tags,
  summary: 'Results as CSV for Excel (UTF-8 with BOM): the summary table, or the free-text comments',
  description: `Every download is recorded in the audit trail. ${privacyNote} ${staffNote}`,
  request: {
    params: surveyParams,
    query: z.object({ part: z.enum(['summary', 'comments']).default('summary') }),
  },
  responses: {
    200: { description: 'CSV', content: { 'text/csv': { schema: z.string() } } },
    409: problemResponse('Fewer answers counted than the threshold'),
    ...staffResponses,
  },
});

const mineRoute = createRoute({
  method: 'get',
  path: '/api/v1/me/surveys',
  tags,
  summary: 'Surveys for me: open ones to answer, and the ones I answered',
  description: 'Across the governments the person is registered with; a survey for another audience is not listed.',
  responses: {
    200: {
      description: 'Surveys',
      content: {
        'application/json': {
          schema: z.object({ toAnswer: z.array(SurveyToAnswerSchema), answered: z.array(SurveyToAnswerSchema) }),
        },
      },
    },
    401: problemResponse('Not signed in'),
  },
});

const respondentRoute = createRoute({
  method: 'get',
  path: '/api/v1/me/surveys/{lgCode}/{surveyId}',
  tags,
  summary: 'A survey to answer, with its questions, and my answers once given',
  request: { params: surveyParams },
  responses: {
    200: {
      description: 'The survey',
      content: {
        'application/json': {
          schema: SurveyToAnswerSchema.extend({
            questions: z.array(QuestionSchema),
            myAnswers: z.record(z.string(), z.unknown()).nullable(),
          }),
        },
      },
    },
    401: problemResponse('Not signed in'),
    404: problemResponse('Not a registrant of this government, not in the audience, or no such survey'),
  },
});

const answerRoute = createRoute({
  method: 'post',
  path: '/api/v1/me/surveys/{lgCode}/{surveyId}/responses',
  tags,
  summary: 'Answer a survey (once)',
  description:
    'Answers by question id: a choice value (single), a list of values (multiple), a whole number (scale) or ' +
    'text. Answers to questions whose condition is not met are dropped. ' +
    csrfNote,
  request: {
    params: surveyParams,
    body: {
      required: true,
      content: { 'application/json': { schema: z.object({ answers: z.record(z.string(), AnswerValue) }) } },
    },
  },
  responses: {
    201: {
      description: 'Answered',
      content: { 'application/json': { schema: z.object({ responseId: z.uuid() }) } },
    },
    400: problemResponse('Invalid answers (each field named, messages in Japanese and English)'),
    401: problemResponse('Not signed in'),
    403: problemResponse('CSRF token missing or wrong'),
    404: problemResponse('Not a registrant of this government, not in the audience, or no such survey'),
    409: problemResponse('Already answered, or the survey is not open'),
  },
});

function deps(c: Context<AppEnv>) {
  const { database, config } = c.get('deps');
  return { db: database.db, config, requestId: c.get('requestId') };
}

async function enterArea(c: Context<AppEnv>, lgCode: string) {
  const area = await enterTenantStaffArea({ ...deps(c), session: requireSession(c), lgCode });
  return { db: deps(c).db, actor: area.actor, lgCode };
}

export function surveyRoutes(): AppRouter {
  const router = createRouter();

  router.openapi(listRoute, async (c) => {
    const scope = await enterArea(c, c.req.valid('param').lgCode);
    return c.json({ items: (await listSurveys(scope)).map(surveyJson) }, 200);
  });

  router.openapi(createSurveyRoute, async (c) => {
    const scope = await enterArea(c, c.req.valid('param').lgCode);
    const survey = await createSurvey({ ...scope, input: settingsFrom(c.req.valid('json')) });
    return c.json(surveyJson(survey), 201);
  });

  router.openapi(getRoute, async (c) => {
    const { lgCode, surveyId } = c.req.valid('param');
    const scope = await enterArea(c, lgCode);
    return c.json(surveyJson(await getSurvey({ ...scope, surveyId })), 200);
  });

  router.openapi(updateRoute, async (c) => {
    const { lgCode, surveyId } = c.req.valid('param');
    const scope = await enterArea(c, lgCode);
    const survey = await updateSurveySettings({ ...scope, surveyId, input: settingsFrom(c.req.valid('json')) });
    return c.json(surveyJson(survey), 200);
  });

  router.openapi(deleteRoute, async (c) => {
    const { lgCode, surveyId } = c.req.valid('param');
    const scope = await enterArea(c, lgCode);
    await deleteSurvey({ ...scope, surveyId });
    return c.body(null, 204);
  });

  router.openapi(questionsRoute, async (c) => {
    const { lgCode, surveyId } = c.req.valid('param');
    const scope = await enterArea(c, lgCode);
    const survey = await replaceSurveyQuestions({ ...scope, surveyId, questions: c.req.valid('json').questions });
    return c.json(surveyJson(survey), 200);
  });

  router.openapi(publishRoute, async (c) => {
    const { lgCode, surveyId } = c.req.valid('param');
    const scope = await enterArea(c, lgCode);
    return c.json(surveyJson(await publishSurvey({ ...scope, surveyId })), 200);
  });

  router.openapi(closeRoute, async (c) => {
    const { lgCode, surveyId } = c.req.valid('param');
    const scope = await enterArea(c, lgCode);
    return c.json(surveyJson(await closeSurvey({ ...scope, surveyId })), 200);
  });

  router.openapi(resultsRoute, async (c) => {
    const { lgCode, surveyId } = c.req.valid('param');
    const scope = await enterArea(c, lgCode);
    c.header('Cache-Control', 'no-store');
    return c.json(resultsJson(await getSurveyResults({ ...scope, surveyId })), 200);
  });

  router.openapi(exportRoute, async (c) => {
    const { lgCode, surveyId } = c.req.valid('param');
    const scope = await enterArea(c, lgCode);
    return csvResponse(await exportSurveyResults({ ...scope, surveyId, part: c.req.valid('query').part }));
  });

  router.openapi(mineRoute, async (c) => {
    const session = requireSession(c);
    const mine = await listMySurveys({ db: deps(c).db, personId: session.personId });
    return c.json({ toAnswer: mine.toAnswer.map(toAnswerJson), answered: mine.answered.map(toAnswerJson) }, 200);
  });

  router.openapi(respondentRoute, async (c) => {
    const session = requireSession(c);
    const { lgCode, surveyId } = c.req.valid('param');
    const survey = await getSurveyForRespondent({ db: deps(c).db, personId: session.personId, lgCode, surveyId });
    return c.json(
      { ...toAnswerJson(survey), questions: survey.questions, myAnswers: answersJson(survey.myAnswers) },
      200,
    );
  });

  router.openapi(answerRoute, async (c) => {
    const session = requireSession(c);
    const { lgCode, surveyId } = c.req.valid('param');
    const result = await answerSurvey({
      ...deps(c),
      personId: session.personId,
      lgCode,
      surveyId,
      answers: c.req.valid('json').answers,
    });
    return c.json(result, 201);
  });

  return router;
}
