import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startDevOidcProvider, type DevOidcProvider } from '../../dev/oidc-provider.js';
import type { TestClient } from '../../../test/support/client.js';
import { signedInClient, startTestRuntime, type TestRuntime } from '../../../test/support/runtime.js';
import { cliOperator, joinTenants } from '../../../test/support/staff.js';
import { verifyAs } from '../../../test/support/verification.js';
import { withTenant } from '../../platform/db/tenant-scope.js';
import { joinTenant } from '../municipalities/index.js';

const kesennuma = '042056';
const miyagi = '040002';
const ishinomaki = '042021';
const kamiyama = '363421';
const callbackUri = 'http://localhost:3000/verification/callback';

interface MyRegistrationJson {
  lgCode: string;
  governmentName: string;
  tier: 'basic' | 'premium';
  status: 'active' | 'withdrawn' | 'released';
  origin: 'direct' | 'prefecture_link';
  linkedFromLgCode: string | null;
  ownResidence: boolean;
  showNameOnCard: boolean;
  endReason: string | null;
  pendingApplication: boolean;
  stayQuestionOpen: boolean;
}

interface ProblemJson {
  code: string;
  status: number;
  detail: string;
  errors?: Array<{ field: string; in: string; message: string }>;
}

const survey = { ties: ['birthplace_or_lived'], customAnswers: { visit: '年に1回' } };

async function myRegistrations(client: TestClient) {
  const response = await client.get('/api/v1/me/registrations');
  assert.equal(response.status, 200);
  return (await response.json()) as { items: MyRegistrationJson[]; prefectureLinkOptOuts: string[] };
}

async function active(client: TestClient): Promise<string[]> {
  return (await myRegistrations(client)).items
    .filter((item) => item.status === 'active')
    .map((item) => item.lgCode)
    .sort();
}

function register(client: TestClient, lgCode: string, input: Record<string, unknown> = survey) {
  return client.sendJson('/api/v1/me/registrations', { lgCode, ...input });
}

/** A form with repeated fields (several ties), as a browser posts it. */
async function postFields(client: TestClient, path: string, fields: Array<[string, string]>): Promise<Response> {
  if (!client.cookies.has('csrf')) await client.get('/');
  return client.request(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'http://localhost:3000' },
    body: new URLSearchParams([['_csrf', client.csrfToken], ...fields]),
  });
}

describe('registrations of the signed-in person: API and pages', () => {
  let provider: DevOidcProvider;
  let runtime: TestRuntime;
  let people = 0;

  /** A fresh person for each case, so the cases do not depend on one another. */
  const person = async () => signedInClient(runtime, `registrant-${(people += 1)}@example.jp`);

  before(async () => {
    provider = await startDevOidcProvider({ redirectUris: [callbackUri] });
    runtime = await startTestRuntime(provider.configOverrides);
    await joinTenant({
      db: runtime.database.db,
      actor: cliOperator,
      lgCode: kesennuma,
      settings: {
        registration: {
          surveyQuestions: [
            {
              id: 'visit',
              label: { ja: '気仙沼にはどのくらい来ますか', en: 'How often do you come?' },
              kind: 'choice',
              choices: ['年に1回', '年に数回', '毎月'],
              required: true,
            },
          ],
        },
      },
    });
    await joinTenants(runtime, [miyagi, ishinomaki]);
  });

  after(async () => {
    await runtime?.close();
    await provider?.close();
  });

  it('registers basic with the survey, and the municipality brings its prefecture along', async () => {
    const { client } = await person();
    const response = await register(client, kesennuma, {
      ties: ['birthplace_or_lived', 'other'],
      note: '祖父母の家がある',
      customAnswers: { visit: '年に数回' },
      showNameOnCard: true,
    });
    assert.equal(response.status, 201, await response.clone().text());
    const body = (await response.json()) as {
      registration: MyRegistrationJson;
      linkedPrefecture: MyRegistrationJson | null;
    };
    assert.equal(body.registration.lgCode, kesennuma);
    assert.equal(body.registration.governmentName, '宮城県気仙沼市');
    assert.equal(body.registration.tier, 'basic');
    assert.equal(body.registration.origin, 'direct');
    assert.equal(body.registration.showNameOnCard, true);
    assert.equal(body.linkedPrefecture?.lgCode, miyagi);
    assert.equal(body.linkedPrefecture?.origin, 'prefecture_link');
    assert.equal(body.linkedPrefecture?.linkedFromLgCode, kesennuma);
    assert.deepEqual(await active(client), [miyagi, kesennuma]);

    // The answers are kept with the registration (and the person can read them in their data export).
    const exported = (await (await client.get('/api/v1/me/export')).json()) as {
      registrations: { registrations: Array<{ lgCode: string; survey: unknown }> };
    };
    const answers = exported.registrations.registrations.find((row) => row.lgCode === kesennuma)?.survey;
    assert.deepEqual(answers, {
      ties: ['birthplace_or_lived', 'other'],
      note: '祖父母の家がある',
      customAnswers: { visit: '年に数回' },
    });

    const page = await client.get('/my/places');
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /マイページ：登録している自治体/);
    assert.match(html, /宮城県気仙沼市/);
    assert.match(html, /ベーシック/);
    assert.match(html, /（宮城県気仙沼市の登録により県にも登録）/);
    assert.match(html, new RegExp(`href="/my/places/${kesennuma}/card"`));
    assert.match(html, new RegExp(`href="/my/places/${kesennuma}/premium"`));
    assert.match(html, new RegExp(`href="/my/places/${kesennuma}/leave"`));
    assert.match(html, /href="\/my\/places"[^>]*>登録している自治体</);
  });

  it('registers through the form: survey, government question, show-name choice, success notice', async () => {
    const { client } = await person();
    const form = await client.get(`/register/${kesennuma}`);
    assert.equal(form.status, 200);
    const html = await form.text();
    assert.match(html, /宮城県気仙沼市に登録する/);
    assert.match(html, /出身・居住歴がある/);
    assert.match(html, /気仙沼にはどのくらい来ますか（必須）/);
    assert.match(html, /宮城県にも登録する/);
    assert.match(html, /name="linkPrefecture" value="true" checked/);
    assert.match(html, /お住まいの市区町村（任意）/);

    const sent = await postFields(client, `/register/${kesennuma}`, [
      ['ties', 'family'],
      ['ties', 'furusato_nozei'],
      ['q.visit', '毎月'],
      ['linkOffered', 'true'],
      ['linkPrefecture', 'true'],
      ['showNameOnCard', 'false'],
      ['step', 'register'],
    ]);
    assert.equal(sent.status, 303, await sent.clone().text());
    const location = sent.headers.get('location') ?? '';
    assert.match(location, /^\/my\/places\?notice=registered&lgCode=042056&linked=040002$/);
    const places = await (await client.get(location)).text();
    assert.match(places, /宮城県気仙沼市に登録しました。あわせて宮城県にも登録しました。/);
    assert.deepEqual(await active(client), [miyagi, kesennuma]);
  });

  it('keeps the answers and lists municipalities when the person picks the prefecture they live in', async () => {
    const { client } = await person();
    const step = await postFields(client, `/register/${kesennuma}`, [
      ['ties', 'volunteer'],
      ['q.visit', '毎月'],
      ['linkOffered', 'true'],
      ['residencePrefecture', '13'],
      ['step', 'residence'],
    ]);
    assert.equal(step.status, 200);
    const html = await step.text();
    assert.match(html, /value="volunteer" checked/);
    assert.match(html, /<option value="毎月" selected/);
    assert.match(html, /<option value="131016">千代田区<\/option>/);
    // The person unticked the prefecture link before the step; it stays unticked.
    assert.doesNotMatch(html, /name="linkPrefecture" value="true" checked/);

    const sent = await postFields(client, `/register/${kesennuma}`, [
      ['ties', 'volunteer'],
      ['q.visit', '毎月'],
      ['linkOffered', 'true'],
      ['linkPrefecture', 'true'],
      ['residencePrefecture', '04'],
      ['declaredResidenceLgCode', kesennuma],
      ['step', 'register'],
    ]);
    assert.equal(sent.status, 303);
    const mine = await myRegistrations(client);
    const here = mine.items.find((item) => item.lgCode === kesennuma);
    assert.equal(here?.ownResidence, true, 'registered where they declared they live: 住所地');
    assert.equal(mine.items.find((item) => item.lgCode === miyagi)?.ownResidence, true);
    const places = await (await client.get('/my/places')).text();
    assert.match(places, /お住まいの自治体（住所地）です。登録はできますが、関係人口としては数えません。/);
    // The declared residence is offered again on the next form.
    const next = await (await client.get(`/register/${ishinomaki}`)).text();
    assert.match(next, new RegExp(`<option value="${kesennuma}" selected`));
  });

  it('refuses invalid survey answers and codes, naming the fields', async () => {
    const { client } = await person();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...survey, ties: [] }, 'ties'],
      [{ ...survey, ties: ['married_here'] }, 'ties.0'],
      [{ ...survey, ties: ['other'] }, 'note'],
      [{ ties: ['family'] }, 'customAnswers.visit'],
      [{ ...survey, customAnswers: { visit: '毎日' } }, 'customAnswers.visit'],
      [{ ...survey, customAnswers: { visit: '年に1回', shoe_size: '26' } }, 'customAnswers.shoe_size'],
      [{ ...survey, declaredResidenceLgCode: miyagi }, 'declaredResidenceLgCode'],
    ];
    for (const [input, field] of cases) {
      const response = await register(client, kesennuma, input);
      assert.equal(response.status, 400, `${JSON.stringify(input)} → ${field}`);
      const problem = (await response.json()) as ProblemJson;
      assert.equal(problem.code, 'validation_failed');
      assert.ok(
        problem.errors?.some((error) => error.field === field),
        `${field} named in ${JSON.stringify(problem.errors)}`,
      );
    }
    const badCode = await register(client, '042057');
    assert.equal(badCode.status, 400);
    const problem = (await badCode.json()) as ProblemJson;
    assert.deepEqual(
      problem.errors?.map((error) => [error.field, error.in]),
      [['lgCode', 'body']],
    );
    const badPath = await client.sendJson('/api/v1/me/registrations/12345', undefined, 'DELETE');
    assert.equal(badPath.status, 400);
    assert.equal(((await badPath.json()) as ProblemJson).errors?.[0]?.field, 'lgCode');
    assert.deepEqual(await active(client), []);

    const page = await postFields(client, `/register/${kesennuma}`, [
      ['ties', 'other'],
      ['linkOffered', 'true'],
      ['step', 'register'],
    ]);
    assert.equal(page.status, 400);
    const html = await page.text();
    assert.match(html, /アンケートの回答を確認してください。/);
    assert.match(html, /<a href="#note">「その他」の内容を書いてください<\/a>/);
    assert.match(html, /<a href="#q-visit">気仙沼にはどのくらい来ますか: 回答してください<\/a>/);
    assert.match(html, /id="note" name="note" value="" maxlength="500" aria-invalid="true"/);
    const none = await postFields(client, `/register/${kesennuma}`, [['q.visit', '毎月']]);
    assert.equal(none.status, 400);
    assert.match(await none.text(), /つながり: 1つ以上選んでください/);
  });

  it('answers 409 when registering twice, and says which rule applied', async () => {
    const { client } = await person();
    assert.equal((await register(client, kesennuma)).status, 201);
    const twice = await register(client, kesennuma);
    assert.equal(twice.status, 409);
    const problem = (await twice.json()) as ProblemJson;
    assert.equal(problem.code, 'registration_exists');
    assert.match(problem.detail, /すでにふるさと住民として登録しています/);

    assert.match(
      await (await client.get(`/register/${kesennuma}`)).text(),
      /宮城県気仙沼市には、すでに登録しています。同じ自治体に二重に登録することはできません。/,
    );
    const page = await postFields(client, `/register/${kesennuma}`, [
      ['ties', 'family'],
      ['q.visit', '毎月'],
      ['step', 'register'],
    ]);
    assert.equal(page.status, 409);
    assert.match(await page.text(), /すでに登録しています.*この自治体にはすでにふるさと住民として登録しています。/s);
  });

  it('answers 404 for a government that does not take part, and explains it', async () => {
    const { client } = await person();
    const response = await register(client, kamiyama, { ties: ['volunteer'] });
    assert.equal(response.status, 404);
    assert.equal(((await response.json()) as ProblemJson).code, 'tenant_not_found');
    const unknown = await register(client, '999997', { ties: ['volunteer'] });
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as ProblemJson).code, 'municipality_not_found');

    const page = await client.get(`/register/${kamiyama}`);
    assert.equal(page.status, 404);
    assert.match(
      await page.text(),
      /徳島県神山町は、まだふるさと住民登録に参加していないため登録できません。登録できるのは、参加している自治体だけです。/,
    );
    // The list offers participating governments only, and the master's detail page links to the form.
    const list = await (await client.get('/register?prefecture=04')).text();
    assert.match(list, new RegExp(`href="/register/${kesennuma}"`));
    assert.match(list, new RegExp(`href="/register/${ishinomaki}"`));
    assert.doesNotMatch(list, /仙台市/);
    const detail = await (await client.get(`/municipalities/${kesennuma}`)).text();
    assert.match(detail, new RegExp(`href="/register/${kesennuma}"`));
    const notJoined = await (await client.get(`/municipalities/${kamiyama}`)).text();
    assert.doesNotMatch(notJoined, /href="\/register\//);
  });

  it('keeps an opt-out made at registration for a later registration in the same prefecture', async () => {
    const { client } = await person();
    // The box unticked: the form sends linkOffered without linkPrefecture.
    const sent = await postFields(client, `/register/${kesennuma}`, [
      ['ties', 'family'],
      ['q.visit', '毎月'],
      ['linkOffered', 'true'],
      ['step', 'register'],
    ]);
    assert.equal(sent.status, 303);
    assert.equal(sent.headers.get('location'), `/my/places?notice=registered&lgCode=${kesennuma}`);
    assert.deepEqual(await active(client), [kesennuma]);
    assert.deepEqual((await myRegistrations(client)).prefectureLinkOptOuts, [miyagi]);

    const form = await (await client.get(`/register/${ishinomaki}`)).text();
    assert.match(form, /宮城県には登録しない設定になっています/);
    const later = await register(client, ishinomaki, { ties: ['tourism_or_homecoming'] });
    assert.equal(later.status, 201);
    assert.equal(((await later.json()) as { linkedPrefecture: unknown }).linkedPrefecture, null);
    assert.deepEqual(await active(client), [ishinomaki, kesennuma]);
    assert.match(await (await client.get('/my/places')).text(), /宮城県には登録しない設定です。/);
  });

  it('turns the prefecture link off and on again, through the API and the page', async () => {
    const { client } = await person();
    assert.equal((await register(client, kesennuma)).status, 201);
    assert.deepEqual(await active(client), [miyagi, kesennuma]);

    const off = await client.sendJson(`/api/v1/me/prefecture-links/${miyagi}`, { linked: false }, 'PUT');
    assert.equal(off.status, 200);
    assert.deepEqual(await off.json(), { prefectureLgCode: miyagi, linked: false });
    let mine = await myRegistrations(client);
    assert.deepEqual(await active(client), [kesennuma]);
    assert.deepEqual(mine.prefectureLinkOptOuts, [miyagi]);
    const ended = mine.items.find((item) => item.lgCode === miyagi);
    assert.equal(ended?.status, 'released');
    assert.equal(ended?.endReason, 'prefecture_link_removed');

    const on = await client.sendJson(`/api/v1/me/prefecture-links/${miyagi}`, { linked: true }, 'PUT');
    assert.equal(on.status, 200);
    mine = await myRegistrations(client);
    assert.deepEqual(await active(client), [miyagi, kesennuma]);
    assert.deepEqual(mine.prefectureLinkOptOuts, []);

    // The same through the page's buttons.
    const pageOff = await client.postForm(`/my/prefecture-links/${miyagi}`, { linked: 'false' });
    assert.equal(pageOff.status, 303);
    const afterOff = await (await client.get(pageOff.headers.get('location') ?? '')).text();
    assert.match(afterOff, /宮城県には登録しない設定にしました。/);
    assert.match(afterOff, /宮城県にも登録する/);
    assert.match(afterOff, /市区町村の登録にともなう都道府県への登録が終わりました/);
    assert.deepEqual(await active(client), [kesennuma]);
    const pageOn = await client.postForm(`/my/prefecture-links/${miyagi}`, { linked: 'true' });
    assert.equal(pageOn.status, 303);
    assert.match(
      await (await client.get(pageOn.headers.get('location') ?? '')).text(),
      /宮城県にも登録する設定にしました。/,
    );
    assert.deepEqual(await active(client), [miyagi, kesennuma]);

    // A municipality is not a prefecture.
    const wrong = await client.sendJson(`/api/v1/me/prefecture-links/${kesennuma}`, { linked: false }, 'PUT');
    assert.equal(wrong.status, 404);
    const badBody = await client.sendJson(`/api/v1/me/prefecture-links/${miyagi}`, { linked: 'no' }, 'PUT');
    assert.equal(badBody.status, 400);
    assert.equal(((await badBody.json()) as ProblemJson).errors?.[0]?.field, 'linked');
  });

  it('withdraws, and the prefecture registration the municipality made follows', async () => {
    const { client } = await person();
    assert.equal((await register(client, kesennuma)).status, 201);
    const withdrawn = await client.sendJson(`/api/v1/me/registrations/${kesennuma}`, undefined, 'DELETE');
    assert.equal(withdrawn.status, 204);
    const mine = await myRegistrations(client);
    assert.deepEqual(await active(client), []);
    assert.deepEqual(mine.items.map((item) => [item.lgCode, item.status, item.endReason]).sort(), [
      [miyagi, 'released', 'prefecture_link_removed'],
      [kesennuma, 'withdrawn', 'withdrawn'],
    ]);
    const again = await client.sendJson(`/api/v1/me/registrations/${kesennuma}`, undefined, 'DELETE');
    assert.equal(again.status, 404);
    assert.equal(((await again.json()) as ProblemJson).code, 'registration_not_found');
  });

  it('leaves through the confirmation page, and lists the past registration with its dates', async () => {
    const { client } = await person();
    assert.equal((await register(client, kesennuma)).status, 201);
    const confirm = await client.get(`/my/places/${kesennuma}/leave`);
    assert.equal(confirm.status, 200);
    const html = await confirm.text();
    assert.match(html, /宮城県気仙沼市の登録をやめる/);
    assert.match(html, /この登録によって行われた宮城県への登録も終わります/);
    const left = await client.postForm(`/my/places/${kesennuma}/leave`);
    assert.equal(left.status, 303);
    const places = await (await client.get(left.headers.get('location') ?? '')).text();
    assert.match(places, /宮城県気仙沼市の登録をやめました。/);
    assert.match(places, /まだどの自治体にも登録していません。/);
    assert.match(places, /過去の登録/);
    assert.match(places, /ご自身で登録をやめました/);
    assert.match(places, /\d{4}年\d{1,2}月\d{1,2}日 〜 \d{4}年\d{1,2}月\d{1,2}日/);
    assert.equal((await client.get(`/my/places/${kesennuma}/leave`)).status, 404);
  });

  it('asks whether to stay after a long time without use, and [続ける] answers it', async () => {
    const { client, personId } = await person();
    assert.equal((await register(client, kesennuma)).status, 201);
    await withTenant(runtime.database.db, kesennuma, (scope) =>
      scope.trx
        .updateTable('registrations')
        .set({ inactivity_asked_at: new Date(Date.now() - 24 * 60 * 60 * 1000) })
        .where('lg_code', '=', kesennuma)
        .where('person_id', '=', personId)
        .execute(),
    );
    assert.equal(
      (await myRegistrations(client)).items.find((item) => item.lgCode === kesennuma)?.stayQuestionOpen,
      true,
    );
    const places = await (await client.get('/my/places')).text();
    assert.match(places, /まだ登録を続けますか？/);
    assert.match(places, new RegExp(`action="/my/places/${kesennuma}/stay"`));

    const stayed = await client.postForm(`/my/places/${kesennuma}/stay`);
    assert.equal(stayed.status, 303);
    const after = await (await client.get(stayed.headers.get('location') ?? '')).text();
    assert.match(after, /宮城県気仙沼市の登録を続けます。/);
    assert.doesNotMatch(after, /まだ登録を続けますか？/);
    assert.equal(
      (await myRegistrations(client)).items.find((item) => item.lgCode === kesennuma)?.stayQuestionOpen,
      false,
    );
    // A second municipality in the prefecture: the prefecture is already there, so no link box.
    const form = await (await client.get(`/register/${ishinomaki}`)).text();
    assert.match(form, /宮城県には、すでに登録しています。/);
    assert.doesNotMatch(form, /name="linkPrefecture"/);
  });

  it('changes whether the card shows the name', async () => {
    const { client } = await person();
    assert.equal((await register(client, kesennuma)).status, 201);
    const patched = await client.sendJson(`/api/v1/me/registrations/${kesennuma}`, { showNameOnCard: true }, 'PATCH');
    assert.equal(patched.status, 204);
    const mine = await myRegistrations(client);
    assert.equal(mine.items.find((item) => item.lgCode === kesennuma)?.showNameOnCard, true);
    const page = await client.postForm(`/my/places/${kesennuma}/show-name`, { show: 'false' });
    assert.equal(page.status, 303);
    assert.equal(
      (await myRegistrations(client)).items.find((item) => item.lgCode === kesennuma)?.showNameOnCard,
      false,
    );
    const missing = await client.sendJson(`/api/v1/me/registrations/${kamiyama}`, { showNameOnCard: true }, 'PATCH');
    assert.equal(missing.status, 404);
  });

  it('refuses premium without a card verification, with the rule’s message and the way to verify', async () => {
    const { client } = await person();
    assert.equal((await register(client, kesennuma)).status, 201);
    const refused = await client.sendJson(`/api/v1/me/registrations/${kesennuma}/premium-applications`, undefined);
    assert.equal(refused.status, 422);
    const problem = (await refused.json()) as ProblemJson;
    assert.equal(problem.code, 'premium_requires_verification');
    assert.match(problem.detail, /マイナンバーカードによる有効な本人確認が必要です/);

    const page = await client.get(`/my/places/${kesennuma}/premium`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /宮城県気仙沼市のプレミアム登録/);
    assert.match(html, /マイナンバーカードによる本人確認/);
    assert.match(html, /プレミアム登録は3団体まで/);
    assert.match(html, /指定された担い手活動 0回（必要 3回）: あと3回必要です。/);
    assert.match(html, /自治体の職員が確認して決めます。/);

    const pressed = await client.postForm(`/my/places/${kesennuma}/premium`);
    assert.equal(pressed.status, 422);
    const refusal = await pressed.text();
    assert.match(refusal, /プレミアム登録には本人確認が必要です/);
    assert.match(refusal, /プレミアム登録には、マイナンバーカードによる有効な本人確認が必要です。/);
    assert.match(refusal, /<a href="\/verification">本人確認のページへ<\/a>/);

    const unregistered = await client.sendJson(
      `/api/v1/me/registrations/${ishinomaki}/premium-applications`,
      undefined,
    );
    assert.equal(unregistered.status, 404);
    assert.equal((await client.get(`/my/places/${ishinomaki}/premium`)).status, 404);
  });

  it('applies for premium after verifying with the card: pending in the manual mode', async () => {
    const { client } = await person();
    assert.equal((await register(client, kesennuma)).status, 201);
    await verifyAs(client, 'adult');
    const applied = await client.sendJson(`/api/v1/me/registrations/${kesennuma}/premium-applications`, undefined);
    assert.equal(applied.status, 201, await applied.clone().text());
    const body = (await applied.json()) as { status: string; judgement: { count: number; required: number } };
    assert.equal(body.status, 'pending');
    assert.deepEqual([body.judgement.count, body.judgement.required], [0, 3]);
    const mine = await myRegistrations(client);
    assert.equal(mine.items.find((item) => item.lgCode === kesennuma)?.pendingApplication, true);

    const twice = await client.sendJson(`/api/v1/me/registrations/${kesennuma}/premium-applications`, undefined);
    assert.equal(twice.status, 409);
    assert.equal(((await twice.json()) as ProblemJson).code, 'premium_application_pending');

    const page = await (await client.get(`/my/places/${kesennuma}/premium`)).text();
    assert.match(page, /申請中です。自治体の審査をお待ちください。/);
    assert.match(page, /確認済みです（\d{4}年\d{1,2}月\d{1,2}日まで有効）/);
    assert.doesNotMatch(page, /プレミアム登録を申請する/);
    assert.match(await (await client.get('/my/places')).text(), /申請中（自治体の審査をお待ちください）/);

    // Through the page, for the prefecture: applied, then back on the page with the notice.
    const pressed = await client.postForm(`/my/places/${miyagi}/premium`);
    assert.equal(pressed.status, 303);
    assert.equal(pressed.headers.get('location'), `/my/places/${miyagi}/premium?notice=pending`);
    assert.match(await (await client.get(`/my/places/${miyagi}/premium?notice=pending`)).text(), /申請しました。/);
  });

  it('refuses premium where the verified person lives', async () => {
    const { client } = await person();
    await verifyAs(client, 'guardian');
    assert.equal((await register(client, kesennuma)).status, 201);
    assert.equal((await myRegistrations(client)).items.find((item) => item.lgCode === kesennuma)?.ownResidence, true);
    const form = await (await client.get(`/register/${ishinomaki}`)).text();
    assert.match(form, /マイナンバーカードの本人確認による: 宮城県気仙沼市/);
    const refused = await client.postForm(`/my/places/${kesennuma}/premium`);
    assert.equal(refused.status, 422);
    assert.match(await refused.text(), /お住まいの自治体（住所地）には、ベーシック登録のみできます。/);
  });

  it('refuses a change without the CSRF token, and needs a signed-in person', async () => {
    const { client } = await person();
    const noHeader = await client.request('/api/v1/me/registrations', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: 'http://localhost:3000' },
      body: JSON.stringify({ lgCode: kesennuma, ...survey }),
    });
    assert.equal(noHeader.status, 403);
    assert.equal(((await noHeader.json()) as ProblemJson).code, 'csrf_rejected');
    const noField = await client.request(`/register/${kesennuma}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'http://localhost:3000' },
      body: new URLSearchParams({ ties: 'family', 'q.visit': '毎月' }),
    });
    assert.equal(noField.status, 403);
    assert.deepEqual(await active(client), []);

    const anonymous = runtime.client();
    assert.equal((await anonymous.get('/api/v1/me/registrations')).status, 401);
    assert.equal((await register(anonymous, kesennuma)).status, 401);
    const page = await anonymous.get('/my/places');
    assert.equal(page.status, 303);
    assert.equal(page.headers.get('location'), '/signin?next=%2Fmy%2Fplaces');
    assert.equal((await anonymous.get(`/register/${kesennuma}`)).status, 303);
    // Choosing a place needs no account.
    assert.equal((await anonymous.get('/register')).status, 200);
  });

  it('speaks English, and documents the API under the registrations tag', async () => {
    const { client } = await person();
    assert.equal((await register(client, kesennuma)).status, 201);
    const english = await (await client.get('/my/places?lang=en')).text();
    assert.match(english, /My page: where I am registered/);
    assert.match(english, /\(registered through your registration with 宮城県気仙沼市\)/);
    const document = (await (await client.get('/api/openapi.json')).json()) as {
      paths: Record<string, Record<string, { tags?: string[] }>>;
      tags: Array<{ name: string }>;
    };
    assert.ok(document.tags.some((tag) => tag.name === 'registrations'));
    for (const [path, method] of [
      ['/api/v1/me/registrations', 'get'],
      ['/api/v1/me/registrations', 'post'],
      ['/api/v1/me/registrations/{lgCode}', 'delete'],
      ['/api/v1/me/registrations/{lgCode}', 'patch'],
      ['/api/v1/me/registrations/{lgCode}/premium-applications', 'post'],
      ['/api/v1/me/prefecture-links/{prefectureLgCode}', 'put'],
    ] as const) {
      assert.deepEqual(document.paths[path]?.[method]?.tags, ['registrations'], `${method} ${path}`);
    }
  });
});
