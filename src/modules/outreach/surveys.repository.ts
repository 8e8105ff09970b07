import { sql, type Insertable, type Transaction, type Updateable } from 'kysely';
import type {
  Database,
  SurveyAnswersTable,
  SurveyResponsesTable,
  SurveyRow,
  SurveysTable,
} from '../../platform/db/schema.js';
import { ownedBy, type TenantScope } from '../../platform/db/tenant-scope.js';

/** All SQL of surveys. Tenant functions take the scope; person functions a transaction of `withPerson`. */

export type NewSurvey = Omit<Insertable<SurveysTable>, 'lg_code'>;

export async function insertSurvey(scope: TenantScope, values: NewSurvey): Promise<SurveyRow> {
  return scope.trx
    .insertInto('surveys')
    .values({ ...values, lg_code: scope.lgCode })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findSurvey(scope: TenantScope, id: string): Promise<SurveyRow | undefined> {
  return scope.trx.selectFrom('surveys').selectAll().where(ownedBy(scope)).where('id', '=', id).executeTakeFirst();
}

export async function lockSurvey(scope: TenantScope, id: string): Promise<SurveyRow | undefined> {
  return scope.trx
    .selectFrom('surveys')
    .selectAll()
    .where(ownedBy(scope))
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

export async function updateSurvey(
  scope: TenantScope,
  id: string,
  values: Omit<Updateable<SurveysTable>, 'lg_code' | 'id'>,
): Promise<SurveyRow> {
  return scope.trx
    .updateTable('surveys')
    .set({ ...values, updated_at: sql<Date>`now()` })
    .where(ownedBy(scope))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteDraftSurvey(scope: TenantScope, id: string): Promise<boolean> {
  const result = await scope.trx
    .deleteFrom('surveys')
    .where(ownedBy(scope))
    .where('id', '=', id)
    .where('status', '=', 'draft')
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** The government's surveys, the registration survey first, then its own newest first, with answer counts. */
export async function listSurveys(scope: TenantScope) {
  return scope.trx
    .selectFrom('surveys as s')
    .selectAll('s')
    .select((eb) =>
      eb
        .selectFrom('survey_responses as r')
        .select((inner) => inner.fn.countAll<string>().as('count'))
        .whereRef('r.lg_code', '=', 's.lg_code')
        .whereRef('r.survey_id', '=', 's.id')
        .as('response_count'),
    )
    .where(ownedBy(scope, 's'))
    .orderBy(sql`s.purpose = 'registration'`, 'desc')
    .orderBy('s.created_at', 'desc')
    .execute();
}

export async function findRegistrationSurvey(scope: TenantScope): Promise<SurveyRow | undefined> {
  return scope.trx
    .selectFrom('surveys')
    .selectAll()
    .where(ownedBy(scope))
    .where('purpose', '=', 'registration')
    .executeTakeFirst();
}

/** Creates the government's registration survey unless it exists (two first registrations may race). */
export async function ensureRegistrationSurvey(scope: TenantScope, values: NewSurvey): Promise<SurveyRow> {
  await sql`
    insert into surveys (lg_code, id, purpose, title, title_en, questions, status, opens_at, created_by, published_at)
    values (${scope.lgCode}, ${values.id}, 'registration', ${values.title}, ${values.title_en ?? null},
            ${typeof values.questions === 'string' ? values.questions : JSON.stringify(values.questions ?? [])}::jsonb, 'published', now(), ${values.created_by ?? null}, now())
    on conflict (lg_code) where purpose = 'registration' do nothing`.execute(scope.trx);
  const row = await findRegistrationSurvey(scope);
  if (!row) throw new Error('registration survey missing after insert');
  return row;
}

/** The person's registration with this government, for targeting (tier and ties). */
export async function findActiveRegistration(scope: TenantScope, personId: string) {
  return scope.trx
    .selectFrom('registrations')
    .select(['id', 'tier', 'relationship_ties'])
    .where(ownedBy(scope))
    .where('person_id', '=', personId)
    .where('status', '=', 'active')
    .executeTakeFirst();
}

export async function findMonitorResponse(scope: TenantScope, surveyId: string, personId: string) {
  return scope.trx
    .selectFrom('survey_responses')
    .selectAll()
    .where(ownedBy(scope))
    .where('survey_id', '=', surveyId)
    .where('person_id', '=', personId)
    .where('registration_id', 'is', null)
    .executeTakeFirst();
}

export async function insertResponse(
  scope: TenantScope,
  values: Omit<Insertable<SurveyResponsesTable>, 'lg_code'>,
  answers: ReadonlyArray<Omit<Insertable<SurveyAnswersTable>, 'lg_code' | 'response_id' | 'survey_id'>>,
): Promise<void> {
  await scope.trx
    .insertInto('survey_responses')
    .values({ ...values, lg_code: scope.lgCode })
    .execute();
  if (answers.length === 0) return;
  await scope.trx
    .insertInto('survey_answers')
    .values(
      answers.map((answer) => ({
        ...answer,
        lg_code: scope.lgCode,
        response_id: values.id,
        survey_id: values.survey_id,
      })),
    )
    .execute();
}

export async function listAnswersOfResponse(scope: TenantScope, responseId: string) {
  return scope.trx
    .selectFrom('survey_answers')
    .select(['question_id', 'choices', 'scale', 'text'])
    .where(ownedBy(scope))
    .where('response_id', '=', responseId)
    .execute();
}

export async function countResponses(scope: TenantScope, surveyId: string): Promise<number> {
  const row = await scope.trx
    .selectFrom('survey_responses')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where(ownedBy(scope))
    .where('survey_id', '=', surveyId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/**
 * The first `limit` responses in the order they came: the ones the results count (see the privacy rule:
 * results grow in steps, so one new answer never shows on its own).
 */
function countedResponses(scope: TenantScope, surveyId: string, limit: number) {
  return sql`(select id from survey_responses
              where lg_code = ${scope.lgCode} and survey_id = ${surveyId}
              order by submitted_at, id
              limit ${limit})`;
}

/** Per question: how many of the counted responses answered it. */
export async function countAnswered(scope: TenantScope, surveyId: string, limit: number) {
  const result = await sql<{ question_id: string; answered: string }>`
    select a.question_id, count(*) as answered
    from survey_answers a
    where a.lg_code = ${scope.lgCode} and a.survey_id = ${surveyId}
      and a.response_id in ${countedResponses(scope, surveyId, limit)}
    group by a.question_id`.execute(scope.trx);
  return result.rows.map((row) => ({ questionId: row.question_id, answered: Number(row.answered) }));
}

/** Per question and value: how many counted responses chose it (a multiple choice counts each value). */
export async function countChoices(scope: TenantScope, surveyId: string, limit: number) {
  const result = await sql<{ question_id: string; value: string; count: string }>`
    select a.question_id, chosen.value, count(*) as count
    from survey_answers a
    cross join lateral unnest(a.choices) as chosen(value)
    where a.lg_code = ${scope.lgCode} and a.survey_id = ${surveyId} and a.choices is not null
      and a.response_id in ${countedResponses(scope, surveyId, limit)}
    group by a.question_id, chosen.value`.execute(scope.trx);
  return result.rows.map((row) => ({ questionId: row.question_id, value: row.value, count: Number(row.count) }));
}

export async function countScale(scope: TenantScope, surveyId: string, limit: number) {
  const result = await sql<{ question_id: string; value: number; count: string }>`
    select a.question_id, a.scale as value, count(*) as count
    from survey_answers a
    where a.lg_code = ${scope.lgCode} and a.survey_id = ${surveyId} and a.scale is not null
      and a.response_id in ${countedResponses(scope, surveyId, limit)}
    group by a.question_id, a.scale`.execute(scope.trx);
  return result.rows.map((row) => ({
    questionId: row.question_id,
    value: Number(row.value),
    count: Number(row.count),
  }));
}

/**
 * Free-text answers of the counted responses, in an order that says nothing about who wrote first or
 * what else they answered (a hash of the response and question), up to `perQuestion` each when given.
 */
export async function listTexts(
  scope: TenantScope,
  surveyId: string,
  limit: number,
  questionIds: readonly string[],
  perQuestion?: number,
) {
  if (questionIds.length === 0) return [];
  const result = await sql<{ question_id: string; text: string }>`
    select question_id, text from (
      select a.question_id, a.text,
             row_number() over (partition by a.question_id
                                order by md5(a.response_id::text || a.question_id)) as position
      from survey_answers a
      where a.lg_code = ${scope.lgCode} and a.survey_id = ${surveyId} and a.text is not null
        and a.question_id in (${sql.join(questionIds.map((id) => sql`${id}`))})
        and a.response_id in ${countedResponses(scope, surveyId, limit)}
    ) shuffled
    ${perQuestion === undefined ? sql`` : sql`where position <= ${perQuestion}`}
    order by question_id, position`.execute(scope.trx);
  return result.rows.map((row) => ({ questionId: row.question_id, text: row.text }));
}

/** The registration survey's answers of these registrations. */
export async function listRegistrationAnswers(scope: TenantScope, registrationIds: readonly string[]) {
  if (registrationIds.length === 0) return [];
  return scope.trx
    .selectFrom('survey_responses as r')
    .innerJoin('survey_answers as a', (join) =>
      join.onRef('a.lg_code', '=', 'r.lg_code').onRef('a.response_id', '=', 'r.id'),
    )
    .select(['r.registration_id', 'a.question_id', 'a.choices', 'a.scale', 'a.text'])
    .where(ownedBy(scope, 'r'))
    .where('r.registration_id', 'in', registrationIds)
    .execute();
}

// ───────────── the person's own scope (withPerson) ─────────────

/**
 * Surveys of the governments the person is registered with (row-level security shows only those), with
 * the person's registration there for targeting and whether they answered.
 */
export async function listSurveysForPerson(trx: Transaction<Database>, personId: string) {
  return trx
    .selectFrom('surveys as s')
    .innerJoin('registrations as g', (join) =>
      join.onRef('g.lg_code', '=', 's.lg_code').on('g.person_id', '=', personId).on('g.status', '=', 'active'),
    )
    .leftJoin('survey_responses as r', (join) =>
      join
        .onRef('r.lg_code', '=', 's.lg_code')
        .onRef('r.survey_id', '=', 's.id')
        .on('r.person_id', '=', personId)
        .on('r.registration_id', 'is', null),
    )
    .select([
      's.lg_code',
      's.id',
      's.title',
      's.title_en',
      's.description',
      's.status',
      's.opens_at',
      's.closes_at',
      's.audience_tier',
      's.audience_ties',
      'g.tier',
      'g.relationship_ties',
      'r.submitted_at',
    ])
    .where('s.purpose', '=', 'monitor')
    .where('s.status', '<>', 'draft')
    .orderBy('s.closes_at', 'asc')
    .execute();
}

/** Everything the person answered, in every government (their data export). */
export async function listResponsesOfPerson(trx: Transaction<Database>, personId: string) {
  return trx
    .selectFrom('survey_responses as r')
    .innerJoin('survey_answers as a', (join) =>
      join.onRef('a.lg_code', '=', 'r.lg_code').onRef('a.response_id', '=', 'r.id'),
    )
    .select([
      'r.lg_code',
      'r.id',
      'r.survey_id',
      'r.registration_id',
      'r.submitted_at',
      'a.question_id',
      'a.choices',
      'a.scale',
      'a.text',
    ])
    .where('r.person_id', '=', personId)
    .orderBy('r.submitted_at')
    .execute();
}

/** The governments where the person has responses (account deletion visits each). */
export async function listResponseTenantsOfPerson(trx: Transaction<Database>, personId: string) {
  const rows = await trx
    .selectFrom('survey_responses')
    .select('lg_code')
    .distinct()
    .where('person_id', '=', personId)
    .execute();
  return rows.map((row) => row.lg_code);
}

/** Account deletion: the person's free text goes, the link to the person goes; counted choices stay. */
export async function eraseResponsesOfPerson(scope: TenantScope, personId: string): Promise<number> {
  const responses = await scope.trx
    .selectFrom('survey_responses')
    .select('id')
    .where(ownedBy(scope))
    .where('person_id', '=', personId)
    .execute();
  const ids = responses.map((response) => response.id);
  if (ids.length === 0) return 0;
  await scope.trx
    .deleteFrom('survey_answers')
    .where(ownedBy(scope))
    .where('response_id', 'in', ids)
    .where('text', 'is not', null)
    .execute();
  await scope.trx
    .updateTable('survey_responses')
    .set({ person_id: null })
    .where(ownedBy(scope))
    .where('id', 'in', ids)
    .execute();
  return ids.length;
}

/** Registrants of the government a survey targets, for telling them it opened (set-based fan-out). */
export async function listAudience(
  scope: TenantScope,
  audience: { tier: 'all' | 'basic' | 'premium'; ties: readonly string[] },
) {
  let query = scope.trx
    .selectFrom('registrations')
    .select('person_id')
    .where(ownedBy(scope))
    .where('status', '=', 'active');
  if (audience.tier !== 'all') query = query.where('tier', '=', audience.tier);
  if (audience.ties.length > 0) {
    query = query.where(sql<boolean>`relationship_ties && ${sql.val([...audience.ties])}::text[]`);
  }
  return (await query.execute()).map((row) => row.person_id);
}
