import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { v7 as uuidv7 } from 'uuid';
import type { Actor } from '../../platform/audit.js';
import { withTenant } from '../../platform/db/tenant-scope.js';
import { AppError } from '../../platform/errors.js';
import type { TestClient } from '../../../test/support/client.js';
import { signedInClient, startTestRuntime, type TestRuntime } from '../../../test/support/runtime.js';
import { joinTenants, signedInStaff, type StaffSession } from '../../../test/support/staff.js';
import { findOrCreatePerson } from '../identity/index.js';
import { registerWithGovernment } from '../registrations/index.js';
import { checkAnswers, SurveyDefinition, type SurveyQuestion } from './surveys.engine.js';
import { countedResponses } from './surveys.policy.js';
import { answerSurvey, createSurvey, publishSurvey, replaceSurveyQuestions } from './surveys.service.js';

const kesennuma = '042056';
const kamiyama = '363421';

const questions: SurveyQuestion[] = [
  {
    id: 'q1',
    kind: 'single',
    label: { ja: '気仙沼に来たことはありますか' },
    required: true,
    choices: [
      { value: 'c1', label: { ja: 'ある' } },
      { value: 'c2', label: { ja: 'ない' } },
    ],
  },
  {
    id: 'q2',
    kind: 'multiple',
    label: { ja: '何をしましたか' },
    required: true,
    showIf: { questionId: 'q1', anyOf: ['c1'] },
    maxChoices: 2,
    choices: [
      { value: 'c1', label: { ja: '観光' } },
      { value: 'c2', label: { ja: '祭り' } },
      { value: 'c3', label: { ja: '仕事' } },
    ],
  },
  { id: 'q3', kind: 'scale', label: { ja: '満足度' }, required: false, min: 1, max: 5 },
  { id: 'q4', kind: 'text', label: { ja: 'ご意見' }, required: false, maxLength: 20, multiline: true },
];

describe('survey engine', () => {
  it('checks answers top to bottom: a conditional question is asked only when its condition holds', () => {
    const shown = checkAnswers(questions, { q1: 'c1', q2: ['c2', 'c1'], q3: '4', q4: '  海がきれい  ' });
    assert.deepEqual(Object.fromEntries(shown), {
      q1: { kind: 'choices', values: ['c1'] },
      q2: { kind: 'choices', values: ['c1', 'c2'] },
      q3: { kind: 'scale', value: 4 },
      q4: { kind: 'text', value: '海がきれい' },
    });
    // q2 is not asked of someone who never came: its answer is dropped, and it is not required.
    const notShown = checkAnswers(questions, { q1: 'c2', q2: ['c3'] });
    assert.deepEqual(Object.fromEntries(notShown), { q1: { kind: 'choices', values: ['c2'] } });
  });

  const refusals: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['a required question left empty', {}, 'answers.q1', /回答してください/],
    ['a conditional question required once shown', { q1: 'c1' }, 'answers.q2', /回答してください/],
    ['a value that is not a choice', { q1: 'c9' }, 'answers.q1', /選択肢から選んでください/],
    ['two values for a single choice', { q1: ['c1', 'c2'] }, 'answers.q1', /選択肢から選んでください/],
    ['more than the most choices', { q1: 'c1', q2: ['c1', 'c2', 'c3'] }, 'answers.q2', /2つまでです/],
    ['a point off the scale', { q1: 'c2', q3: '6' }, 'answers.q3', /1〜5の数で答えてください/],
    ['a fraction on the scale', { q1: 'c2', q3: 2.5 }, 'answers.q3', /1〜5の数/],
    ['too long a text', { q1: 'c2', q4: 'あ'.repeat(21) }, 'answers.q4', /20文字以内で書いてください/],
    ['a question that does not exist', { q1: 'c2', q9: 'x' }, 'answers.q9', /この設問はありません/],
  ];
  for (const [why, raw, field, message] of refusals) {
    it(`refuses ${why}, naming the field in Japanese and English`, () => {
      assert.throws(
        () => checkAnswers(questions, raw),
        (error: unknown) => {
          assert.ok(error instanceof AppError);
          assert.equal(error.code, 'validation_failed');
          const named = error.fieldErrors.find((entry) => entry.field === field);
          assert.ok(named, `${field} in ${JSON.stringify(error.fieldErrors)}`);
          assert.match(named.message, message);
          assert.match(named.message, / \/ [a-z]/, 'an English half after the slash');
          return true;
        },
      );
    });
  }

  it('refuses a definition whose condition names a later or a free-text question', () => {
    const later = SurveyDefinition.safeParse([questions[1], questions[0]]);
    assert.equal(later.success, false);
    const onText = SurveyDefinition.safeParse([
      questions[3],
      { ...questions[2]!, showIf: { questionId: 'q4', anyOf: ['x'] } },
    ]);
    assert.equal(onText.success, false);
    assert.equal(SurveyDefinition.safeParse(questions).success, true);
  });

  it('counts answers in steps of 5 from 10 on, so one new answer never shows alone', () => {
    assert.deepEqual([0, 9, 10, 11, 14, 15, 19, 20, 23].map(countedResponses), [0, 0, 10, 10, 10, 15, 15, 20, 20]);
  });
});

type Json = Record<string, unknown>;

describe('surveys: the government writes, registrants answer once, results keep people unidentifiable', () => {
  let runtime: TestRuntime;
  let admin: StaffSession;
  let organisation: StaffSession;
  let otherTown: StaffSession;
  let basic: { client: TestClient; personId: string };
  let premium: { client: TestClient; personId: string };
  let outsider: { client: TestClient; personId: string };
  const db = () => runtime.database.db;
  const api = `/api/v1/tenants/${kesennuma}/surveys`;
  const staffActor: Actor = {
    kind: 'staff',
    id: uuidv7(),
    secondFactor: true,
    memberships: [{ lgCode: kesennuma, membershipId: uuidv7(), role: 'tenant_staff', organisationId: null }],
  };
  let people = 0;

  async function registrant(ties: string[] = ['family']): Promise<string> {
    const { personId } = await findOrCreatePerson({ db: db(), email: `respondent-${(people += 1)}@example.jp` });
    await registerWithGovernment({ db: db(), personId, lgCode: kesennuma, input: { ties: ties as ['family'] } });
    return personId;
  }

  /** A published survey with the test questions, open now unless told otherwise. */
  async function openSurvey(
    options: {
      audienceTier?: 'all' | 'basic' | 'premium';
      audienceTies?: Array<'volunteer' | 'family'>;
      opensAt?: Date;
    } = {},
  ): Promise<string> {
    const survey = await createSurvey({
      db: db(),
      actor: staffActor,
      lgCode: kesennuma,
      input: {
        title: '気仙沼の印象について',
        closesAt: new Date(Date.now() + 7 * 86_400_000),
        ...(options.opensAt ? { opensAt: options.opensAt } : {}),
        ...(options.audienceTier ? { audienceTier: options.audienceTier } : {}),
        ...(options.audienceTies ? { audienceTies: options.audienceTies } : {}),
      },
    });
    await replaceSurveyQuestions({ db: db(), actor: staffActor, lgCode: kesennuma, surveyId: survey.id, questions });
    await publishSurvey({ db: db(), actor: staffActor, lgCode: kesennuma, surveyId: survey.id });
    return survey.id;
  }

  async function json(response: Response): Promise<Json> {
    const text = await response.text();
    try {
      return JSON.parse(text) as Json;
    } catch {
      throw new Error(`not JSON (${response.status}): ${text.slice(0, 300)}`);
    }
  }

  before(async () => {
    runtime = await startTestRuntime();
    await joinTenants(runtime, [kesennuma, kamiyama]);
    admin = await signedInStaff(runtime, {
      lgCode: kesennuma,
      email: 'admin@kesennuma.example.jp',
      role: 'tenant_admin',
    });
    organisation = await signedInStaff(runtime, {
      lgCode: kesennuma,
      email: 'jichikai@kesennuma.example.jp',
      role: 'organisation_staff',
    });
    otherTown = await signedInStaff(runtime, {
      lgCode: kamiyama,
      email: 'admin@kamiyama.example.jp',
      role: 'tenant_admin',
    });
    basic = await signedInClient(runtime, 'basic@example.jp');
    await registerWithGovernment({
      db: db(),
      personId: basic.personId,
      lgCode: kesennuma,
      input: { ties: ['family'] },
    });
    premium = await signedInClient(runtime, 'premium@example.jp');
    await registerWithGovernment({
      db: db(),
      personId: premium.personId,
      lgCode: kesennuma,
      input: { ties: ['volunteer'] },
    });
    // Premium straight from the row: the judgement is the registrations module's business.
    await withTenant(db(), kesennuma, (scope) =>
      scope.trx
        .updateTable('registrations')
        .set({ tier: 'premium', premium_since: new Date(), premium_valid_until: new Date(Date.now() + 86_400_000) })
        .where('person_id', '=', premium.personId)
        .execute(),
    );
    outsider = await signedInClient(runtime, 'outsider@example.jp');
    await registerWithGovernment({
      db: db(),
      personId: outsider.personId,
      lgCode: kamiyama,
      input: { ties: ['family'] },
    });
  });

  after(async () => {
    await runtime?.close();
  });

  it('staff write a survey through the API: draft, questions, publish; everything audited', async () => {
    const created = await admin.client.sendJson(api, {
      title: '移住相談会についてのアンケート',
      audienceTier: 'all',
      closesAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    assert.equal(created.status, 201, await created.clone().text());
    const survey = await json(created);
    assert.equal(survey.status, 'draft');
    const id = survey.id as string;

    // Not publishable without questions.
    const empty = await admin.client.sendJson(`${api}/${id}/publish`, undefined);
    assert.equal(empty.status, 400);
    assert.match(((await json(empty)).detail as string) ?? '', /設問と締め切り/);

    const bad = await admin.client.sendJson(
      `${api}/${id}/questions`,
      { questions: [{ ...questions[1], showIf: { questionId: 'q9', anyOf: ['c1'] } }] },
      'PUT',
    );
    assert.equal(bad.status, 400);
    assert.ok(
      ((await json(bad)).errors as Array<{ field: string }>).some((error) => error.field === 'questions.0.showIf'),
    );

    const saved = await admin.client.sendJson(`${api}/${id}/questions`, { questions }, 'PUT');
    assert.equal(saved.status, 200, await saved.clone().text());
    const published = await admin.client.sendJson(`${api}/${id}/publish`, undefined);
    assert.equal(published.status, 200);
    assert.equal((await json(published)).phase, 'open');

    // Fixed once published: questions no, closing time yes.
    const again = await admin.client.sendJson(`${api}/${id}/questions`, { questions: [questions[0]] }, 'PUT');
    assert.equal(again.status, 409);
    const later = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const moved = await admin.client.sendJson(
      `${api}/${id}`,
      { title: '移住相談会についてのアンケート', audienceTier: 'all', closesAt: later },
      'PATCH',
    );
    assert.equal(moved.status, 200, await moved.clone().text());
    const retargeted = await admin.client.sendJson(
      `${api}/${id}`,
      { title: '移住相談会についてのアンケート', audienceTier: 'premium', closesAt: later },
      'PATCH',
    );
    assert.equal(retargeted.status, 409);

    const actions = await withTenant(db(), kesennuma, (scope) =>
      scope.trx
        .selectFrom('audit_events')
        .select(['action', 'actor_id'])
        .where('subject_id', '=', id)
        .orderBy('occurred_at')
        .execute(),
    );
    assert.deepEqual(
      actions.map((event) => event.action),
      ['survey.created', 'survey.questions_changed', 'survey.published', 'survey.updated'],
    );
    assert.ok(actions.every((event) => event.actor_id === admin.personId));
  });

  it('another government’s staff, organisation staff and registrants get 404 for the staff API', async () => {
    const id = await openSurvey();
    for (const client of [otherTown.client, organisation.client, basic.client, runtime.client()]) {
      const list = await client.get(api);
      assert.ok([401, 404].includes(list.status), `list: ${list.status}`);
      const results = await client.get(`${api}/${id}/results`);
      assert.ok([401, 404].includes(results.status), `results: ${results.status}`);
    }
    assert.equal((await otherTown.client.get(`/api/v1/tenants/${kamiyama}/surveys/${id}`)).status, 404);
  });

  it('targets registrants by tier and tie; anyone else does not see the survey (404)', async () => {
    const forPremium = await openSurvey({ audienceTier: 'premium' });
    const forVolunteers = await openSurvey({ audienceTies: ['volunteer'] });
    const forAll = await openSurvey();

    const listed = async (client: TestClient) => {
      const body = (await json(await client.get('/api/v1/me/surveys'))) as { toAnswer: Array<{ id: string }> };
      return body.toAnswer.map((survey) => survey.id);
    };
    const basicSees = await listed(basic.client);
    assert.ok(basicSees.includes(forAll));
    assert.ok(!basicSees.includes(forPremium) && !basicSees.includes(forVolunteers));
    const premiumSees = await listed(premium.client);
    assert.ok([forAll, forPremium, forVolunteers].every((id) => premiumSees.includes(id)));
    assert.deepEqual(await listed(outsider.client), [], 'a registrant of 神山町 only');

    const answer = (client: TestClient, id: string) =>
      client.sendJson(`/api/v1/me/surveys/${kesennuma}/${id}/responses`, { answers: { q1: 'c2' } });
    assert.equal((await basic.client.get(`/api/v1/me/surveys/${kesennuma}/${forPremium}`)).status, 404);
    assert.equal((await answer(basic.client, forPremium)).status, 404);
    assert.equal((await answer(basic.client, forVolunteers)).status, 404);
    assert.equal((await answer(outsider.client, forAll)).status, 404);
    assert.equal((await answer(otherTown.client, forAll)).status, 404);
    assert.equal((await answer(premium.client, forPremium)).status, 201);
    assert.equal((await answer(premium.client, forVolunteers)).status, 201);
  });

  it('answers once: a second answer is refused, also when several arrive at the same moment', async () => {
    const id = await openSurvey();
    const path = `/api/v1/me/surveys/${kesennuma}/${id}/responses`;
    const body = { answers: { q1: 'c1', q2: ['c2'], q3: 5 } };
    const statuses = await Promise.all([1, 2, 3, 4, 5].map(() => basic.client.sendJson(path, body)));
    assert.deepEqual(statuses.map((response) => response.status).sort(), [201, 409, 409, 409, 409]);
    const refused = statuses.find((response) => response.status === 409)!;
    assert.equal((await json(refused)).code, 'survey_already_answered');
    const count = await withTenant(db(), kesennuma, (scope) =>
      scope.trx
        .selectFrom('survey_responses')
        .select((eb) => eb.fn.countAll<string>().as('count'))
        .where('survey_id', '=', id)
        .executeTakeFirstOrThrow(),
    );
    assert.equal(Number(count.count), 1);
    const mine = (await json(await basic.client.get(`/api/v1/me/surveys/${kesennuma}/${id}`))) as {
      myAnswers: Json;
      answeredAt: string;
    };
    assert.deepEqual(mine.myAnswers, { q1: ['c1'], q2: ['c2'], q3: 5 });
    assert.ok(mine.answeredAt);

    // The government's trail knows an answer came, not whose.
    const answered = await withTenant(db(), kesennuma, (scope) =>
      scope.trx
        .selectFrom('audit_events')
        .select(['actor_kind', 'actor_id'])
        .where('action', '=', 'survey.answered')
        .where('subject_id', '=', id)
        .execute(),
    );
    assert.deepEqual(answered, [{ actor_kind: 'person', actor_id: null }]);
  });

  it('answers only while open, and explains invalid answers in Japanese', async () => {
    const scheduled = await openSurvey({ opensAt: new Date(Date.now() + 86_400_000) });
    const early = await basic.client.sendJson(`/api/v1/me/surveys/${kesennuma}/${scheduled}/responses`, {
      answers: { q1: 'c2' },
    });
    assert.equal(early.status, 409);
    assert.equal((await json(early)).code, 'survey_not_open');

    const closed = await openSurvey();
    assert.equal((await admin.client.sendJson(`${api}/${closed}/close`, undefined)).status, 200);
    const late = await basic.client.sendJson(`/api/v1/me/surveys/${kesennuma}/${closed}/responses`, {
      answers: { q1: 'c2' },
    });
    assert.equal(late.status, 409);

    const open = await openSurvey();
    const invalid = await basic.client.request(`/api/v1/me/surveys/${kesennuma}/${open}/responses`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Origin: 'http://localhost:3000',
        'X-CSRF-Token': basic.client.csrfToken,
        'Accept-Language': 'ja',
      },
      body: JSON.stringify({ answers: { q1: 'c1', q3: 9 } }),
    });
    assert.equal(invalid.status, 400);
    const problem = (await json(invalid)) as { detail: string; errors: Array<{ field: string; message: string }> };
    assert.equal(problem.detail, 'アンケートの回答を確認してください。');
    assert.deepEqual(
      problem.errors.map((error) => [error.field, error.message.split(' / ')[0]]),
      [
        ['answers.q2', '回答してください'],
        ['answers.q3', '1〜5の数で答えてください'],
      ],
    );
  });

  it('answers through the page without JavaScript: errors in Japanese next to the question, then thanks', async () => {
    const id = await openSurvey();
    const path = `/my/surveys/${kesennuma}/${id}`;
    const form = await premium.client.get(path);
    assert.equal(form.status, 200);
    const html = await form.text();
    assert.match(html, /Q1で「ある」と答えた方だけお答えください。/, 'a conditional question says who answers it');
    assert.match(html, /data-show-if="q1"/);

    const post = (fields: Array<[string, string]>) =>
      premium.client.request(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'http://localhost:3000' },
        body: new URLSearchParams([['_csrf', premium.client.csrfToken], ...fields]),
      });
    const refused = await post([['a.q1', 'c1']]);
    assert.equal(refused.status, 400);
    const refusedHtml = await refused.text();
    assert.match(refusedHtml, /<a href="#q-q2">Q2: 回答してください<\/a>/);
    assert.match(refusedHtml, /aria-invalid="true"/);
    assert.match(refusedHtml, /value="c1" checked/, 'the answer given is kept');

    const sent = await post([
      ['a.q1', 'c1'],
      ['a.q2', 'c1'],
      ['a.q2', 'c3'],
      ['a.q4', '港の朝市が好きです'],
    ]);
    assert.equal(sent.status, 303, await sent.clone().text());
    const thanks = await (await premium.client.get(`${path}?notice=answered`)).text();
    assert.match(thanks, /ご協力ありがとうございました/);
    assert.match(thanks, /観光、仕事/);
    assert.match(thanks, /港の朝市が好きです/);
    const twice = await post([['a.q1', 'c2']]);
    assert.equal(twice.status, 409);
    assert.match(await twice.text(), /回答は1人1回です/);
  });

  it('shows results only from 10 answers, in steps of 5, with no question answered by fewer than 10', async () => {
    const id = await openSurvey();
    const results = async () =>
      (await json(await admin.client.get(`${api}/${id}/results`))) as {
        responseCount: number;
        countedCount: number;
        questions: Array<{
          questionId: string;
          suppressed: boolean;
          answered: number;
          counts?: Array<{ value: string; count: number }>;
          mean?: number | null;
          texts?: string[];
        }>;
      };
    const answer = async (answers: Record<string, unknown>) =>
      answerSurvey({ db: db(), personId: await registrant(), lgCode: kesennuma, surveyId: id, answers });

    for (let index = 0; index < 9; index += 1) await answer({ q1: 'c1', q2: ['c1'], q3: '4', q4: '=HYPERLINK("x")' });
    let shown = await results();
    assert.equal(shown.responseCount, 9);
    assert.equal(shown.countedCount, 0);
    assert.deepEqual(shown.questions, []);
    const tooFew = await admin.client.get(`${api}/${id}/results.csv`);
    assert.equal(tooFew.status, 409);
    assert.equal((await json(tooFew)).code, 'survey_results_too_few');

    await answer({ q1: 'c2' });
    shown = await results();
    assert.equal(shown.countedCount, 10);
    const [q1, q2, q3, q4] = shown.questions;
    assert.deepEqual(
      q1?.counts?.map((count) => [count.value, count.count]),
      [
        ['c1', 9],
        ['c2', 1],
      ],
    );
    assert.equal(q2?.suppressed, true, 'only 9 answered q2');
    assert.equal(
      q2?.counts?.every((count) => count.count === 0),
      true,
      'nothing of it leaks',
    );
    assert.equal(q3?.suppressed, true);
    assert.equal(q4?.suppressed, true);

    // The 11th answer does not show on its own: the results stay at 10 until the 15th.
    await answer({ q1: 'c1', q2: ['c2'], q3: '2', q4: '駅前がさびしい' });
    shown = await results();
    assert.equal(shown.responseCount, 11);
    assert.equal(shown.countedCount, 10);
    assert.deepEqual(
      shown.questions[0]?.counts?.map((count) => count.count),
      [9, 1],
    );
    for (let index = 0; index < 4; index += 1) await answer({ q1: 'c1', q2: ['c2', 'c3'], q3: '5', q4: 'また来たい' });
    shown = await results();
    assert.equal(shown.countedCount, 15);
    const q2Now = shown.questions[1]!;
    assert.equal(q2Now.suppressed, false);
    assert.equal(q2Now.answered, 14);
    assert.deepEqual(
      q2Now.counts?.map((count) => [count.value, count.count]),
      [
        ['c1', 9],
        ['c2', 5],
        ['c3', 4],
      ],
    );
    const mean = shown.questions[2]?.mean ?? 0;
    assert.ok(Math.abs(mean - (9 * 4 + 2 + 4 * 5) / 14) < 1e-9, `mean ${mean}`);
    assert.equal(shown.questions[3]?.texts?.length, 14);

    // CSV for Excel: summary and comments, no row per person; formulas defused; both audited.
    const summary = await admin.client.get(`${api}/${id}/results.csv?part=summary`);
    assert.equal(summary.status, 200);
    assert.equal(summary.headers.get('cache-control'), 'no-store');
    const summaryText = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await summary.arrayBuffer());
    assert.ok(summaryText.startsWith('\uFEFF設問番号,設問,種類,選択肢・値,件数,割合(%)'), summaryText.slice(0, 60));
    assert.match(summaryText, /Q1,気仙沼に来たことはありますか,単一選択,ある,14,93\.3,15,15\r\n/);
    assert.match(summaryText, /Q3,満足度,段階評価,平均,4\.14,,14,15\r\n/);
    const comments = new TextDecoder('utf-8', { ignoreBOM: true }).decode(
      await (await admin.client.get(`${api}/${id}/results.csv?part=comments`)).arrayBuffer(),
    );
    const commentLines = comments.trimEnd().split('\r\n');
    assert.equal(commentLines[0], '\uFEFF設問番号,設問,回答');
    assert.equal(commentLines.length, 15);
    assert.ok(commentLines.includes(`Q4,ご意見,"'=HYPERLINK(""x"")"`), 'a formula is defused');
    assert.ok(!comments.includes(id), 'no ids');
    const exported = await withTenant(db(), kesennuma, (scope) =>
      scope.trx
        .selectFrom('audit_events')
        .select(['data', 'actor_id'])
        .where('action', '=', 'survey.exported')
        .where('subject_id', '=', id)
        .orderBy('occurred_at')
        .execute(),
    );
    assert.deepEqual(
      exported.map((event) => [(event.data as Json).part, (event.data as Json).rowCount, event.actor_id]),
      [
        ['summary', 12, admin.personId],
        ['comments', 14, admin.personId],
      ],
    );

    // The page: an SVG chart with a text alternative, and the same numbers as a table.
    const page = await admin.client.get(`/staff/${kesennuma}/surveys/${id}/results`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<svg[^>]*role="img"[^>]*aria-labelledby="chart-1-title chart-1-desc"/);
    assert.match(html, /<desc id="chart-1-desc">ある 14件（93.3%）、ない 1件（6.7%）<\/desc>/);
    assert.match(html, /<th scope="row">ある<\/th><td>14<\/td><td>93.3%<\/td>/);
  });

  it('tells the audience when a survey opens, and nobody outside it', async () => {
    const id = await openSurvey({ audienceTier: 'premium' });
    const told = async (personId: string) =>
      db()
        .selectFrom('notifications')
        .select(['link', 'about_lg_code'])
        .where('person_id', '=', personId)
        .where('kind', '=', 'outreach.survey_opened')
        .where('link', '=', `/my/surveys/${kesennuma}/${id}`)
        .execute();
    for (let attempt = 0; attempt < 100 && (await told(premium.personId)).length === 0; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(await told(premium.personId), [
      { link: `/my/surveys/${kesennuma}/${id}`, about_lg_code: kesennuma },
    ]);
    assert.deepEqual(await told(basic.personId), [], 'a basic registrant is not in a premium survey’s audience');
    assert.deepEqual(await told(outsider.personId), []);
  });

  it('staff write a survey on the pages: draft, questions with a condition, order, publish; errors in Japanese', async () => {
    const pages = `/staff/${kesennuma}/surveys`;
    const refused = await admin.client.postForm(pages, { title: '', closesAt: '2099-13-01T09:00' });
    assert.equal(refused.status, 400);
    const refusedHtml = await refused.text();
    assert.match(refusedHtml, /タイトル: タイトルを入力してください/);
    assert.match(refusedHtml, /締め切り: 日時を正しく入力してください/);

    const created = await admin.client.postForm(pages, {
      title: '防災訓練についてのアンケート',
      audienceTier: 'all',
      closesAt: '2099-03-31T17:00',
    });
    assert.equal(created.status, 303, await created.clone().text());
    const here = created.headers.get('location') ?? '';
    assert.match(here, new RegExp(`^${pages}/[0-9a-f-]{36}$`));

    const add = (fields: Record<string, string>) => admin.client.postForm(`${here}/questions`, fields);
    const oneChoice = await add({
      kind: 'single',
      labelJa: '参加したことはありますか',
      choices: 'ある',
      required: 'true',
    });
    assert.equal(oneChoice.status, 400);
    assert.match(await oneChoice.text(), /選択肢: 選択肢を2つ以上入力してください/);
    assert.equal(
      (await add({ kind: 'single', labelJa: '参加したことはありますか', choices: 'ある\r\nない', required: 'true' }))
        .status,
      303,
    );
    assert.equal((await add({ kind: 'text', labelJa: 'よかった点', maxLength: '300', showIf: 'q1=c1' })).status, 303);
    assert.equal(
      (await add({ kind: 'scale', labelJa: '満足度', scaleMin: '1', scaleMax: '5', required: 'true' })).status,
      303,
    );
    // Moving the question a condition depends on below it is refused with the reason.
    const wrongOrder = await admin.client.postForm(`${here}/questions/q1/down`);
    assert.equal(wrongOrder.status, 400);
    assert.match(await wrongOrder.text(), /条件には、前にある選択式の設問/);
    assert.equal((await admin.client.postForm(`${here}/questions/q3/up`)).status, 303);

    const id = here.split('/').at(-1)!;
    const survey = (await json(await admin.client.get(`${api}/${id}`))) as {
      questions: Array<{ id: string; kind: string }>;
    };
    assert.deepEqual(
      survey.questions.map((question) => [question.id, question.kind]),
      [
        ['q1', 'single'],
        ['q3', 'scale'],
        ['q2', 'text'],
      ],
    );
    const page = await (await admin.client.get(here)).text();
    assert.match(page, /Q1が「ある」のときだけ/);
    assert.equal((await admin.client.postForm(`${here}/publish`)).status, 303);
    const published = await (await admin.client.get(`${here}?notice=published`)).text();
    assert.match(published, /受付中/);
    assert.doesNotMatch(published, /設問を追加する/, 'questions are fixed once published');
    assert.equal((await organisation.client.get(here)).status, 404);
    assert.equal((await otherTown.client.get(here)).status, 404);
  });

  it('shows the registration survey in the same engine: listed first, with its results', async () => {
    const list = (await json(await admin.client.get(api))) as {
      items: Array<{ id: string; purpose: string; responseCount: number }>;
    };
    const registration = list.items[0]!;
    assert.equal(registration.purpose, 'registration');
    assert.ok(registration.responseCount >= 10, `${registration.responseCount} registrations answered it`);
    const results = (await json(await admin.client.get(`${api}/${registration.id}/results`))) as {
      questions: Array<{ questionId: string; counts?: Array<{ value: string; count: number }> }>;
    };
    const ties = results.questions.find((question) => question.questionId === 'national.ties');
    assert.ok((ties?.counts?.find((count) => count.value === 'family')?.count ?? 0) >= 10);
    const page = await admin.client.get(`/staff/${kesennuma}/surveys`);
    assert.match(await page.text(), /登録時アンケート（このまちとの関係）/);
  });
});
