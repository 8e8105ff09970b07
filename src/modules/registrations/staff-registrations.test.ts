import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { v7 as uuidv7 } from 'uuid';
import { startDevOidcProvider, type DevOidcProvider } from '../../dev/oidc-provider.js';
import type { Actor } from '../../platform/audit.js';
import type { Localized } from '../../platform/i18n.js';
import { withTenant } from '../../platform/db/tenant-scope.js';
import { fiscalYearOf } from '../../platform/time.js';
import { getTenant } from '../municipalities/index.js';
import type { TestClient } from '../../../test/support/client.js';
import { signedInClient, startTestRuntime, type TestRuntime } from '../../../test/support/runtime.js';
import { joinTenants, signedInStaff, type StaffSession } from '../../../test/support/staff.js';
import { verifyAs } from '../../../test/support/verification.js';
import { applyForPremium, decidePremiumApplication, registerWithGovernment, withdrawRegistration } from './index.js';
import { csvCell, csvRow } from './staff-registrations.service.js';

describe('CSV cells', () => {
  const cases: Array<[string | number | null, string, string]> = [
    ['plain', 'plain', 'as it is'],
    [null, '', 'empty'],
    [42, '42', 'a number'],
    ['a,b', '"a,b"', 'a comma is quoted'],
    ['say "hi"', '"say ""hi"""', 'quotes are doubled inside quotes'],
    ['line\nbreak', '"line\nbreak"', 'a line break is quoted'],
    ['=SUM(A1:A9)', "'=SUM(A1:A9)", 'a formula is defused'],
    ['+81 90', "'+81 90", 'plus'],
    ['-1', "'-1", 'minus'],
    ['@cmd', "'@cmd", 'at'],
    ['=1,"x"', `"'=1,""x"""`, 'defused, then quoted'],
    ['山田 太郎', '山田 太郎', 'Japanese'],
  ];
  for (const [value, expected, why] of cases) {
    it(`${JSON.stringify(value)} → ${expected} (${why})`, () => assert.equal(csvCell(value), expected));
  }

  it('ends a row with CRLF', () => assert.equal(csvRow(['a', null, 'b']), 'a,,b\r\n'));
});

const kesennuma = '042056';
const kamiyama = '363421';
const yokoze = '113611';
const bandai = '074071';

type Json = Record<string, unknown>;

async function json(response: Response): Promise<Json> {
  const text = await response.text();
  try {
    return JSON.parse(text) as Json;
  } catch {
    throw new Error(`not JSON (${response.status}): ${text.slice(0, 300)}`);
  }
}

/** A staff actor as the pages build it, for deciding in governments whose staff are not under test. */
function staffActorOf(lgCode: string): Actor {
  return {
    kind: 'staff',
    id: uuidv7(),
    secondFactor: true,
    memberships: [{ lgCode, membershipId: uuidv7(), role: 'tenant_staff', organisationId: null }],
  };
}

describe('registrations for the government (staff pages and API)', () => {
  let provider: DevOidcProvider;
  let runtime: TestRuntime;
  let admin: StaffSession;
  let staff: StaffSession;
  let organisation: StaffSession;
  let adminBandai: StaffSession;
  const registrants: Record<string, { client: TestClient; personId: string; registrationId: string }> = {};
  const db = () => runtime.database.db;
  const api = `/api/v1/tenants/${kesennuma}`;
  const pages = `/staff/${kesennuma}`;

  async function registrant(
    key: string,
    options: {
      email: string;
      name: string;
      residence?: string;
      ties: string[];
      note?: string;
      lgCode?: string;
      customAnswers?: Record<string, string>;
    },
  ) {
    const { client, personId } = await signedInClient(runtime, options.email);
    const named = await client.sendJson('/api/v1/me', { displayName: options.name, locale: 'ja' }, 'PATCH');
    assert.ok(named.status < 300, await named.clone().text());
    const { registration } = await registerWithGovernment({
      db: db(),
      personId,
      lgCode: options.lgCode ?? kesennuma,
      input: {
        ties: options.ties as ['other'],
        ...(options.note ? { note: options.note } : {}),
        ...(options.residence ? { declaredResidenceLgCode: options.residence } : {}),
        ...(options.customAnswers ? { customAnswers: options.customAnswers } : {}),
      },
    });
    registrants[key] = { client, personId, registrationId: registration.id };
    return registrants[key];
  }

  async function auditOf(lgCode: string, action: string) {
    return withTenant(db(), lgCode, (scope) =>
      scope.trx.selectFrom('audit_events').selectAll().where('action', '=', action).orderBy('occurred_at').execute(),
    );
  }

  before(async () => {
    provider = await startDevOidcProvider({ redirectUris: ['http://localhost:3000/verification/callback'] });
    runtime = await startTestRuntime(provider.configOverrides);
    await joinTenants(runtime, [kesennuma, kamiyama, yokoze, bandai]);
    admin = await signedInStaff(runtime, {
      lgCode: kesennuma,
      email: 'admin@kesennuma.example.jp',
      role: 'tenant_admin',
    });
    staff = await signedInStaff(runtime, {
      lgCode: kesennuma,
      email: 'staff@kesennuma.example.jp',
      role: 'tenant_staff',
    });
    organisation = await signedInStaff(runtime, {
      lgCode: kesennuma,
      email: 'jichikai@kesennuma.example.jp',
      role: 'organisation_staff',
    });
    adminBandai = await signedInStaff(runtime, {
      lgCode: bandai,
      email: 'admin@bandai.example.jp',
      role: 'tenant_admin',
    });

    await registrant('suzuki', {
      email: 'suzuki@example.jp',
      name: '鈴木 一郎',
      residence: '131016',
      ties: ['furusato_nozei'],
    });
    await registrant('sato', {
      email: 'sato@example.jp',
      name: '佐藤 花子',
      residence: kesennuma,
      ties: ['family', 'birthplace_or_lived'],
    });
    await registrant('tanaka', {
      email: 'tanaka@example.jp',
      name: '田中 次郎',
      residence: '011002',
      ties: ['tourism_or_homecoming'],
    });
    await registrant('formula', {
      email: 'formula@example.jp',
      name: '=SUM(1,2) "x"',
      residence: '131016',
      ties: ['other', 'furusato_nozei'],
      note: '港の近く, "朝市"\n毎年',
    });
    await registrant('elsewhere', {
      email: 'elsewhere@example.jp',
      name: '鈴木 神山',
      residence: '131016',
      ties: ['furusato_nozei'],
      lgCode: kamiyama,
    });
    await withdrawRegistration({ db: db(), personId: registrants.tanaka!.personId, lgCode: kesennuma });
  });

  after(async () => {
    await runtime?.close();
    await provider?.close();
  });

  it('lists the own registrants with counts, newest first; never another government’s', async () => {
    const response = await staff.client.get(`${api}/registrations`);
    assert.equal(response.status, 200);
    const body = (await json(response)) as {
      items: Array<{
        sharedName: string;
        ownResidence: boolean;
        status: string;
        residence: { prefectureName: { ja: string } };
      }>;
      total: number;
      counts: { active: { total: number; basic: number; premium: number; ownResidence: number }; withdrawn: number };
      nextCursor: string | null;
    };
    assert.deepEqual(
      body.items.map((item) => item.sharedName),
      ['=SUM(1,2) "x"', '佐藤 花子', '鈴木 一郎'],
    );
    assert.equal(body.total, 3);
    assert.deepEqual(body.counts.active, { total: 3, basic: 3, premium: 0, ownResidence: 1 });
    assert.equal(body.counts.withdrawn, 1);
    assert.equal(body.nextCursor, null);
    assert.equal(body.items[2]?.residence.prefectureName.ja, '東京都');
    assert.ok(!JSON.stringify(body).includes('鈴木 神山'), 'a registrant of 神山町 is not listed');

    const page = await staff.client.get(`${pages}/registrations`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('cache-control'), 'no-store');
    const html = await page.text();
    assert.match(html, /登録中 3人（ベーシック 3人・プレミアム 0人、うち住所地 1人）／退会 1人/);
    assert.match(html, /該当 3件/);
    assert.match(html, /佐藤 花子/);
    assert.doesNotMatch(html, /田中 次郎/);
  });

  it('filters by status, tie, prefecture, 住所地 and searches name or address', async () => {
    const names = async (query: string) => {
      const response = await staff.client.get(`${api}/registrations?${query}`);
      assert.equal(response.status, 200, query);
      const body = (await json(response)) as { items: Array<{ sharedName: string }>; total: number };
      assert.equal(body.total, body.items.length, query);
      return body.items.map((item) => item.sharedName);
    };
    assert.deepEqual(await names('status=withdrawn'), ['田中 次郎']);
    assert.deepEqual(await names('status=released'), []);
    assert.deepEqual(await names('tie=family'), ['佐藤 花子']);
    assert.deepEqual(await names('tie=furusato_nozei'), ['=SUM(1,2) "x"', '鈴木 一郎']);
    assert.deepEqual(await names('prefecture=04'), ['佐藤 花子']);
    assert.deepEqual(await names('prefecture=13&tie=other'), ['=SUM(1,2) "x"']);
    assert.deepEqual(await names('ownResidence=exclude'), ['=SUM(1,2) "x"', '鈴木 一郎']);
    assert.deepEqual(await names('ownResidence=only'), ['佐藤 花子']);
    assert.deepEqual(await names('tier=premium'), []);
    assert.deepEqual(await names(`q=${encodeURIComponent('鈴木')}`), ['鈴木 一郎']);
    assert.deepEqual(await names(`q=${encodeURIComponent('鈴木一')}`), ['鈴木 一郎'], 'spaces ignored');
    assert.deepEqual(await names(`q=${encodeURIComponent('SATO@EX')}`), ['佐藤 花子'], 'address, any case');
    assert.deepEqual(await names(`q=${encodeURIComponent('%')}`), [], 'LIKE characters are literal');
    assert.deepEqual(await names(`q=${encodeURIComponent('田中')}`), []);
    assert.deepEqual(await names(`q=${encodeURIComponent('田中')}&status=withdrawn`), ['田中 次郎']);

    const invalid = await staff.client.get(`${api}/registrations?prefecture=48`);
    assert.equal(invalid.status, 400);
    const page = await staff.client.get(`${pages}/registrations?tie=family&tier=`);
    const html = await page.text();
    assert.match(html, /該当 1件/);
    assert.match(html, /<option value="family" selected="">/);
  });

  it('pages with a cursor: every registrant once, in order', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const response = await staff.client.get(`${api}/registrations?${query}`);
      assert.equal(response.status, 200);
      const body = (await json(response)) as { items: Array<{ sharedName: string }>; nextCursor: string | null };
      seen.push(...body.items.map((item) => item.sharedName));
      cursor = body.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, ['=SUM(1,2) "x"', '佐藤 花子', '鈴木 一郎']);

    const first = await staff.client.get(`${pages}/registrations?ownResidence=include`);
    const html = await first.text();
    assert.doesNotMatch(html, /次のページへ/);
  });

  it('registration rules: the administrator sets them, other settings stay, tenant staff get 403', async () => {
    const contact = await admin.client.postForm(`${pages}/settings`, { contactEmail: 'info@kesennuma.example.jp' });
    assert.equal(contact.status, 303);
    const saved = await admin.client.postForm(`${pages}/registration-settings`, {
      premiumMode: 'manual',
      premiumMinActivities: '4',
      premiumWindow: 'fiscal_year',
      longStayDays: '12',
      inactivityMonths: '36',
    });
    assert.equal(saved.status, 303, await saved.clone().text());
    let tenant = await getTenant({ db: db(), lgCode: kesennuma });
    assert.equal(tenant.settings.contactEmail, 'info@kesennuma.example.jp');
    assert.deepEqual(
      { ...tenant.settings.registration, surveyQuestions: undefined },
      {
        premiumMode: 'manual',
        premiumMinActivities: 4,
        premiumWindow: 'fiscal_year',
        longStayDays: 12,
        inactivityMonths: 36,
        surveyQuestions: undefined,
      },
    );
    const events = await auditOf(kesennuma, 'tenant.settings_updated');
    assert.deepEqual(events.at(-1)?.data, { changedKeys: ['registration'] });
    assert.equal(events.at(-1)?.actor_id, admin.personId);

    const refused = await admin.client.postForm(`${pages}/registration-settings`, {
      premiumMode: 'sometimes',
      premiumMinActivities: '0',
      premiumWindow: 'fiscal_year',
      longStayDays: '12',
      inactivityMonths: '36',
    });
    assert.equal(refused.status, 400);
    const refusedHtml = await refused.text();
    assert.match(refusedHtml, /プレミアム登録の審査/);
    assert.match(refusedHtml, /必要な担い手活動の回数/);

    const question = await admin.client.postForm(`${pages}/registration-settings/questions`, {
      id: 'visit_purpose',
      labelJa: '主な訪問の目的',
      labelEn: 'Main purpose of visits',
      kind: 'choice',
      choices: '観光\r\n仕事\r\n帰省',
      required: 'true',
    });
    assert.equal(question.status, 303, await question.clone().text());
    const oneChoice = await admin.client.postForm(`${pages}/registration-settings/questions`, {
      id: 'one_choice',
      labelJa: '選択肢がひとつ',
      kind: 'choice',
      choices: 'はい',
    });
    assert.equal(oneChoice.status, 400);
    assert.match(await oneChoice.text(), /選択肢/);
    const duplicate = await admin.client.postForm(`${pages}/registration-settings/questions`, {
      id: 'visit_purpose',
      labelJa: '同じID',
      kind: 'text',
    });
    assert.equal(duplicate.status, 400);
    assert.match(await duplicate.text(), /すでにあります/);
    const temporary = await admin.client.postForm(`${pages}/registration-settings/questions`, {
      id: 'temporary',
      labelJa: 'すぐ消す設問',
      kind: 'text',
    });
    assert.equal(temporary.status, 303);
    const removed = await admin.client.postForm(`${pages}/registration-settings/questions/temporary/remove`);
    assert.equal(removed.status, 303);
    tenant = await getTenant({ db: db(), lgCode: kesennuma });
    assert.deepEqual(tenant.settings.registration.surveyQuestions, [
      {
        id: 'visit_purpose',
        label: { ja: '主な訪問の目的', en: 'Main purpose of visits' },
        kind: 'choice',
        choices: ['観光', '仕事', '帰省'],
        required: true,
      },
    ]);
    const page = await admin.client.get(`${pages}/registration-settings`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /主な訪問の目的/);

    for (const member of [staff, organisation]) {
      assert.equal((await member.client.get(`${pages}/registration-settings`)).status, 403);
      const post = await member.client.postForm(`${pages}/registration-settings`, {
        premiumMode: 'automatic',
        premiumMinActivities: '1',
        premiumWindow: 'fiscal_year',
        longStayDays: '1',
        inactivityMonths: '6',
      });
      assert.equal(post.status, 403);
    }
    assert.equal((await getTenant({ db: db(), lgCode: kesennuma })).settings.registration.premiumMode, 'manual');
  });

  it('the detail shows what the registration shares, the labelled answers and the history; nothing of persons', async () => {
    const ito = await registrant('ito', {
      email: 'ito@example.jp',
      name: '伊藤 美咲',
      residence: '041009',
      ties: ['work_or_side_job', 'other'],
      note: '副業で月に一度',
      customAnswers: { visit_purpose: '仕事' },
    });
    // What only the national account holds (a later name, never shared with the town) must not show.
    await db().updateTable('persons').set({ display_name: 'NATIONAL ONLY' }).where('id', '=', ito.personId).execute();

    const response = await staff.client.get(`${api}/registrations/${ito.registrationId}`);
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.ok(!text.includes('NATIONAL ONLY'));
    assert.ok(!text.includes(ito.personId), 'the national person id is not shown');
    const body = JSON.parse(text) as Json;
    assert.equal(body.sharedName, '伊藤 美咲');
    assert.equal(body.contactEmail, 'ito@example.jp');
    assert.equal(body.ageBand, null);
    assert.equal(body.identityVerified, false);
    assert.deepEqual(body.residence, {
      prefectureCode: '04',
      prefectureName: { ja: '宮城県', en: 'Miyagi' },
      lgCode: '041009',
      municipalityName: '仙台市',
    });
    assert.deepEqual(body.survey, {
      ties: [
        { code: 'work_or_side_job', label: { ja: '仕事・副業で関わっている', en: 'Work or side job here' } },
        { code: 'other', label: { ja: 'その他', en: 'Other' } },
      ],
      note: '副業で月に一度',
      answers: [
        {
          questionId: 'visit_purpose',
          label: { ja: '主な訪問の目的', en: 'Main purpose of visits' },
          answer: '仕事',
        },
      ],
    });
    assert.deepEqual(body.applications, []);
    assert.deepEqual(
      (body.history as Array<{ action: string; actorKind: string }>).map((entry) => [entry.action, entry.actorKind]),
      [['registration.created', 'person']],
    );

    const page = await staff.client.get(`${pages}/registrations/${ito.registrationId}`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('cache-control'), 'no-store');
    const html = await page.text();
    for (const shown of [
      '伊藤 美咲',
      'ito@example.jp',
      '宮城県 仙台市',
      '仕事・副業で関わっている',
      '副業で月に一度',
      '主な訪問の目的',
    ]) {
      assert.ok(html.includes(shown), `the page shows ${shown}`);
    }
    assert.ok(!html.includes('NATIONAL ONLY'));

    assert.equal((await staff.client.get(`${api}/registrations/${uuidv7()}`)).status, 404);
    assert.equal((await staff.client.get(`${api}/registrations/not-an-id`)).status, 404);
    const elsewhere = registrants.elsewhere!.registrationId;
    assert.equal((await staff.client.get(`${api}/registrations/${elsewhere}`)).status, 404, '神山町 registrant');
    assert.equal((await staff.client.get(`${pages}/registrations/${elsewhere}`)).status, 404);
  });

  it('queue: approval makes the registration premium for a year, mails the person and is audited', async () => {
    const { client, personId } = await signedInClient(runtime, 'yamada@example.jp');
    await verifyAs(client, 'adult');
    const { registration } = await registerWithGovernment({
      db: db(),
      personId,
      lgCode: kesennuma,
      input: { ties: ['volunteer'], customAnswers: { visit_purpose: '観光' } },
    });
    const applied = await applyForPremium({ db: db(), personId, lgCode: kesennuma });
    assert.equal(applied.status, 'pending');

    const queue = await staff.client.get(`${pages}/premium-applications`);
    assert.equal(queue.status, 200);
    const html = await queue.text();
    assert.match(html, /審査待ち（1件）/);
    assert.match(html, /山田 太郎/);
    assert.match(html, /指定された担い手活動 0回（必要 4回）: あと4回必要です。/);
    const listed = (await json(await staff.client.get(`${api}/premium-applications`))) as {
      items: Array<{
        id: string;
        judgement: { explanation: { en: string } };
        registrant: { identityVerified: boolean };
      }>;
    };
    assert.deepEqual(
      listed.items.map((item) => [item.id, item.judgement.explanation.en, item.registrant.identityVerified]),
      // The government counts by fiscal year (its settings above): the explanation names the year.
      [[applied.applicationId, `FY${fiscalYearOf(new Date())}: 0 of 4 designated activities: 4 more needed.`, true]],
    );

    const mailsBefore = runtime.mail.lastSequence();
    const approve = await staff.client.postForm(`${pages}/premium-applications/${applied.applicationId}/decision`, {
      decision: 'approve',
    });
    assert.equal(approve.status, 303, await approve.clone().text());
    assert.equal(approve.headers.get('location'), `${pages}/premium-applications?notice=approved`);

    const row = await withTenant(db(), kesennuma, (scope) =>
      scope.trx.selectFrom('registrations').selectAll().where('id', '=', registration.id).executeTakeFirstOrThrow(),
    );
    assert.equal(row.tier, 'premium');
    const days = ((row.premium_valid_until?.getTime() ?? 0) - Date.now()) / 86_400_000;
    assert.ok(days > 364.9 && days <= 365, `valid for one year (${days} days)`);
    const mail = await runtime.mail.waitForMail(
      'yamada@example.jp',
      (message) => message.sequence > mailsBefore && message.subject.includes('承認されました'),
    );
    assert.match(mail.text, /有効期間は1年です/);
    const approved = await auditOf(kesennuma, 'premium.approved');
    assert.deepEqual(
      approved.map((event) => [event.actor_kind, event.actor_id, event.subject_id]),
      [['staff', staff.personId, applied.applicationId]],
    );

    const detail = (await json(await staff.client.get(`${api}/registrations/${registration.id}`))) as {
      tier: string;
      applications: Array<{ status: string; decidedBy: string }>;
      history: Array<{ action: string }>;
    };
    assert.equal(detail.tier, 'premium');
    assert.deepEqual(
      detail.applications.map((entry) => [entry.status, entry.decidedBy]),
      [['approved', staff.personId]],
    );
    assert.deepEqual(
      detail.history.map((entry) => entry.action),
      ['registration.created', 'premium.applied', 'premium.approved'],
    );

    const again = await staff.client.sendJson(`${api}/premium-applications/${applied.applicationId}/decision`, {
      decision: 'approve',
    });
    assert.equal(again.status, 409);
    const decided = (await json(await staff.client.get(`${api}/premium-applications?status=decided`))) as {
      items: Array<{ id: string; status: string }>;
    };
    assert.deepEqual(
      decided.items.map((item) => [item.id, item.status]),
      [[applied.applicationId, 'approved']],
    );
  });

  it('queue: a rejection needs a reason, which the person receives', async () => {
    const { client, personId } = await signedInClient(runtime, 'abroad@example.jp');
    await verifyAs(client, 'overseas');
    await registerWithGovernment({
      db: db(),
      personId,
      lgCode: kesennuma,
      input: { ties: ['family'], customAnswers: { visit_purpose: '帰省' } },
    });
    const applied = await applyForPremium({ db: db(), personId, lgCode: kesennuma });
    const path = `${api}/premium-applications/${applied.applicationId}/decision`;

    for (const body of [{ decision: 'reject' }, { decision: 'reject', reason: '   ' }]) {
      const refused = await staff.client.sendJson(path, body);
      assert.equal(refused.status, 400, JSON.stringify(body));
      assert.equal((await json(refused)).code, 'validation_failed');
    }
    const page = await staff.client.postForm(`${pages}/premium-applications/${applied.applicationId}/decision`, {
      decision: 'reject',
      reason: '',
    });
    assert.equal(page.status, 400);
    assert.match(await page.text(), /却下するときは理由を書いてください/);

    const mailsBefore = runtime.mail.lastSequence();
    const rejected = await staff.client.sendJson(path, {
      decision: 'reject',
      reason: '指定活動への参加を確認できませんでした',
    });
    assert.equal(rejected.status, 200);
    const body = (await json(rejected)) as { status: string; reason: string; decidedBy: string };
    assert.deepEqual(
      [body.status, body.reason, body.decidedBy],
      ['rejected', '指定活動への参加を確認できませんでした', staff.personId],
    );
    const mail = await runtime.mail.waitForMail(
      'abroad@example.jp',
      (message) => message.sequence > mailsBefore && message.subject.includes('申請について'),
    );
    assert.match(mail.text, /指定活動への参加を確認できませんでした/);
    assert.equal((await auditOf(kesennuma, 'premium.rejected')).length, 1);
  });

  it('queue: approval is refused when the person reached the cap of 3 elsewhere in the meantime', async () => {
    const { client, personId } = await signedInClient(runtime, 'kamishihoro@example.jp');
    await verifyAs(client, 'hokkaido');
    const here = await registerWithGovernment({
      db: db(),
      personId,
      lgCode: kesennuma,
      input: { ties: ['volunteer'], customAnswers: { visit_purpose: '観光' } },
    });
    for (const lgCode of [kamiyama, yokoze, bandai]) {
      await registerWithGovernment({ db: db(), personId, lgCode, input: { ties: ['volunteer'] } });
      const applied = await applyForPremium({ db: db(), personId, lgCode });
      await decidePremiumApplication({
        db: db(),
        actor: staffActorOf(lgCode),
        lgCode,
        applicationId: applied.applicationId,
        input: { decision: 'approve' },
      });
    }
    // An application that was waiting here before the three elsewhere were approved.
    const applicationId = uuidv7();
    await withTenant(db(), kesennuma, (scope) =>
      scope.trx
        .insertInto('premium_applications')
        .values({ lg_code: kesennuma, id: applicationId, registration_id: here.registration.id, person_id: personId })
        .execute(),
    );

    const page = await staff.client.postForm(`${pages}/premium-applications/${applicationId}/decision`, {
      decision: 'approve',
    });
    assert.equal(page.status, 422);
    const html = await page.text();
    assert.match(html, /プレミアム登録（申請中を含む）はすでに3団体あります/);
    assert.match(html, /判定の記録なし/);
    const refused = await staff.client.sendJson(`${api}/premium-applications/${applicationId}/decision`, {
      decision: 'approve',
    });
    assert.equal(refused.status, 422);
    assert.equal((await json(refused)).code, 'premium_limit_reached');

    const pending = (await json(await staff.client.get(`${api}/premium-applications`))) as {
      items: Array<{ id: string; judgement: unknown }>;
    };
    assert.deepEqual(
      pending.items.map((item) => [item.id, item.judgement]),
      [[applicationId, null]],
    );
    const detail = (await json(await staff.client.get(`${api}/registrations/${here.registration.id}`))) as {
      tier: string;
    };
    assert.equal(detail.tier, 'basic');
  });

  it('automatic mode: an application is decided at once, rejected with the explanation', async () => {
    const automatic = await adminBandai.client.postForm(`/staff/${bandai}/registration-settings`, {
      premiumMode: 'automatic',
      premiumMinActivities: '3',
      premiumWindow: 'rolling_12_months',
      longStayDays: '10',
      inactivityMonths: '24',
    });
    assert.equal(automatic.status, 303);
    const { client, personId } = await signedInClient(runtime, 'hanako@example.jp');
    await verifyAs(client, 'guardian');
    await registerWithGovernment({ db: db(), personId, lgCode: bandai, input: { ties: ['tourism_or_homecoming'] } });
    const applied = await applyForPremium({ db: db(), personId, lgCode: bandai });
    assert.equal(applied.status, 'rejected');

    const decided = (await json(
      await adminBandai.client.get(`/api/v1/tenants/${bandai}/premium-applications?status=decided`),
    )) as {
      items: Array<{
        id: string;
        status: string;
        decidedBy: string;
        reason: string;
        judgement: { explanation: Localized };
      }>;
    };
    const mine = decided.items.find((item) => item.id === applied.applicationId);
    assert.ok(mine);
    assert.equal(mine.status, 'rejected');
    assert.equal(mine.decidedBy, 'system');
    assert.match(mine.reason, /0回（必要 3回）/);
    assert.match(mine.judgement.explanation.en, /^0 of 3 designated activities/);
    const queue = (await json(await adminBandai.client.get(`/api/v1/tenants/${bandai}/premium-applications`))) as {
      total: number;
    };
    assert.equal(queue.total, 0);
    const page = await adminBandai.client.get(`/staff/${bandai}/premium-applications?lang=en`);
    assert.match(await page.text(), /The system decides automatically/);
  });

  it('CSV: BOM, Japanese header, quoting, defused formulas; audited with filter and count only', async () => {
    const active = (await json(await admin.client.get(`${api}/registrations?limit=1`))) as { total: number };
    const response = await admin.client.get(`${pages}/registrations.csv`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.match(
      response.headers.get('content-disposition') ?? '',
      /^attachment; filename="registrations-042056-\d{8}\.csv"$/,
    );
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const bytes = new Uint8Array(await response.arrayBuffer());
    assert.deepEqual([...bytes.slice(0, 3)], [0xef, 0xbb, 0xbf]);
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
    assert.ok(
      text.startsWith(
        '\uFEFF登録ID,登録日時,区分,状態,登録の経緯,住所地,氏名,メールアドレス,年代,居住都道府県,居住市区町村,居住市区町村コード,本人確認,',
      ),
      text.slice(0, 200),
    );
    const header = text.slice(1, text.indexOf('\r\n'));
    assert.ok(header.includes('関係: ふるさと納税をしている'));
    assert.ok(header.endsWith('関係: その他の内容,設問: 主な訪問の目的'), header);
    // One CRLF per record: the line break inside the quoted note is a bare LF.
    assert.equal(text.split('\r\n').length - 1, active.total + 1);
    assert.ok(text.includes(`,"'=SUM(1,2) ""x""",formula@example.jp,`), 'name defused and quoted');
    assert.ok(text.includes(',"港の近く, ""朝市""\n毎年",'), 'note quoted with its comma, quotes and line break');
    assert.ok(text.includes('山田 太郎,yamada@example.jp,40代,東京都,千代田区,131016,済,'), 'verified row');
    assert.ok(text.includes(',プレミアム,登録中,直接登録,,山田 太郎,'));
    assert.ok(text.includes(',佐藤 花子,sato@example.jp,,宮城県,気仙沼市,042056,未,'));
    assert.ok(!text.includes('tanaka@example.jp'), 'withdrawn registrants are not in the active list');
    assert.ok(!text.includes('鈴木 神山'), 'another government’s registrant is not either');

    const [exported] = (await auditOf(kesennuma, 'registrations.exported')).slice(-1);
    assert.equal(exported?.actor_id, admin.personId);
    assert.equal(exported?.subject_type, 'registrations');
    assert.deepEqual(exported?.data, {
      format: 'csv',
      rowCount: active.total,
      filter: { status: 'active', ownResidence: 'include', search: false },
    });

    const searched = await staff.client.get(
      `${api}/registrations/export?q=${encodeURIComponent('鈴木')}&tie=furusato_nozei`,
    );
    assert.equal(searched.status, 200);
    const rows = (await searched.text()).split('\r\n').filter(Boolean);
    assert.equal(rows.length, 2);
    assert.ok(rows[1]?.includes('鈴木 一郎'));
    const [last] = (await auditOf(kesennuma, 'registrations.exported')).slice(-1);
    assert.deepEqual(last?.data, {
      format: 'csv',
      rowCount: 1,
      filter: { status: 'active', ownResidence: 'include', tie: 'furusato_nozei', search: true },
    });
    assert.ok(!JSON.stringify(last?.data).includes('鈴木'), 'the search text (a name) is not in the trail');
  });

  it('organisation staff: registrants do not exist (404); the menu shows each role its pages', async () => {
    const id = registrants.suzuki!.registrationId;
    for (const path of [
      `${pages}/registrations`,
      `${pages}/registrations/${id}`,
      `${pages}/registrations.csv`,
      `${pages}/premium-applications`,
      `${api}/registrations`,
      `${api}/registrations/${id}`,
      `${api}/registrations/export`,
      `${api}/premium-applications`,
    ]) {
      const response = await organisation.client.get(path);
      assert.equal(response.status, 404, path);
      assert.ok(!(await response.text()).includes('鈴木'), path);
    }
    const post = await organisation.client.sendJson(`${api}/premium-applications/${uuidv7()}/decision`, {
      decision: 'approve',
    });
    assert.equal(post.status, 404);

    const links = async (session: StaffSession) => {
      const html = await (await session.client.get(pages)).text();
      return ['/registrations', '/premium-applications', '/registration-settings'].filter((path) =>
        html.includes(`href="${pages}${path}"`),
      );
    };
    assert.deepEqual(await links(admin), ['/registrations', '/premium-applications', '/registration-settings']);
    assert.deepEqual(await links(staff), ['/registrations', '/premium-applications']);
    assert.deepEqual(await links(organisation), []);
  });
});
