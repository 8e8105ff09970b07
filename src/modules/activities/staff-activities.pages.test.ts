import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestClient } from '../../../test/support/client.js';
import { linkIn, signedInClient, startTestRuntime, type TestRuntime } from '../../../test/support/runtime.js';
import {
  enrolAuthenticator,
  joinTenants,
  signedInStaff,
  tokenOf,
  type StaffSession,
} from '../../../test/support/staff.js';
import { withTenant } from '../../platform/db/tenant-scope.js';
import { japanDate } from '../../platform/time.js';
import { registerWithGovernment } from '../registrations/index.js';
import { testConfig } from '../../../test/support/app.js';
import { checkinCodeUrl, codeMac, sessionCodeKey, slotAt } from './checkin-code.js';

/**
 * The staff pages of 担い手 activities through the real stack, as a browser without JavaScript uses them:
 * pages that render for the government and for 団体担当者, forms that post and come back (303 with a
 * notice, or 400/409 with the refusal in Japanese), state and audit trail changed by each form, and
 * nothing of another organisation or another government.
 */
const kesennuma = '042056';
const kamiyama = '363421';
const pages = `/staff/${kesennuma}`;

async function html(response: Response, status: number): Promise<string> {
  const text = await response.text();
  assert.equal(response.status, status, `${response.status}: ${text.slice(0, 600)}`);
  return text;
}

/** The redirect of a form that went through, with its notice. */
function redirected(response: Response, pattern: RegExp): string {
  assert.equal(response.status, 303, `expected a redirect, got ${response.status}`);
  const location = response.headers.get('location') ?? '';
  assert.match(location, pattern);
  return location;
}

/** The text of the error summary (role=alert) of a page that came back with a refusal. */
function alertOf(text: string): string {
  const match = /<div class="(?:error-summary|notice notice--error)" role="alert">([\s\S]*?)<\/div>/.exec(text);
  assert.ok(match, `no alert on the page: ${text.slice(0, 400)}`);
  return match[1]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
}

function plusDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

describe('staff pages of 担い手 activities', () => {
  let runtime: TestRuntime;
  let admin: StaffSession;
  let clerk: StaffSession;
  let unassigned: StaffSession;
  let otherGovernment: StaffSession;
  let organiser: { client: TestClient; personId: string };
  let secondOrganiser: TestClient;
  let uomachiId: string;
  let machizukuriId: string;
  let projectId: string;
  let otherProjectId: string;
  let sessionId: string;
  let festivalId: string;
  const people: Array<{ client: TestClient; personId: string; email: string; name: string }> = [];
  const db = () => runtime.database.db;
  const today = japanDate(new Date());

  async function auditOf(action: string) {
    return withTenant(db(), kesennuma, (scope) =>
      scope.trx
        .selectFrom('audit_events')
        .select(['subject_id', 'data'])
        .where('action', '=', action)
        .orderBy('occurred_at')
        .execute(),
    );
  }

  before(async () => {
    runtime = await startTestRuntime();
    await joinTenants(runtime, [kesennuma, kamiyama]);
    admin = await signedInStaff(runtime, {
      lgCode: kesennuma,
      email: 'admin@kesennuma.example.jp',
      role: 'tenant_admin',
    });
    clerk = await signedInStaff(runtime, {
      lgCode: kesennuma,
      email: 'clerk@kesennuma.example.jp',
      role: 'tenant_staff',
    });
    unassigned = await signedInStaff(runtime, {
      lgCode: kesennuma,
      email: 'unassigned@kesennuma.example.jp',
      role: 'organisation_staff',
    });
    otherGovernment = await signedInStaff(runtime, {
      lgCode: kamiyama,
      email: 'admin@kamiyama.example.jp',
      role: 'tenant_admin',
    });
    for (const [key, name] of [
      ['aoi', '青井 葵'],
      ['ren', '山田 蓮'],
      ['mei', '佐藤 芽衣'],
    ] as const) {
      const email = `${key}@example.jp`;
      const signedIn = await signedInClient(runtime, email);
      await signedIn.client.sendJson('/api/v1/me', { displayName: name, locale: 'ja' }, 'PATCH');
      await registerWithGovernment({
        db: db(),
        personId: signedIn.personId,
        lgCode: kesennuma,
        input: { ties: ['family'] },
      });
      people.push({ ...signedIn, email, name });
    }
  });

  after(async () => {
    await runtime?.close();
  });

  describe('menu and entrance', () => {
    it('the staff menu offers the activities pages to the government', async () => {
      const text = await html(await clerk.client.get(pages), 200);
      for (const [path, label] of [
        ['/projects', '担い手活動'],
        ['/organisations', '関係団体'],
        ['/attendance', '出欠の集計'],
      ]) {
        assert.match(text, new RegExp(`<a href="${pages}${path}"[^>]*>${label}</a>`));
      }
    });

    it('a 団体担当者 without an organisation sees no menu entries and a clear message instead of the pages', async () => {
      const home = await html(await unassigned.client.get(pages), 200);
      assert.doesNotMatch(home, new RegExp(`${pages}/projects`));
      for (const path of ['/projects', '/organisations', '/attendance']) {
        const text = await html(await unassigned.client.get(`${pages}${path}`), 403);
        assert.match(text, /<h1>所属団体が設定されていません<\/h1>/);
        assert.match(text, /自治体の担当者に所属団体を設定してもらってください/);
      }
    });
  });

  describe('organisations', () => {
    it('the government registers an organisation; bad input is named in Japanese, field by field (400)', async () => {
      const page = await html(await clerk.client.get(`${pages}/organisations`), 200);
      assert.match(page, /<h2 id="register-heading">団体を登録する<\/h2>/);
      assert.match(page, /<option value="jichikai">自治会・町内会<\/option>/);

      const refused = await clerk.client.postForm(`${pages}/organisations`, {
        name: '',
        kind: 'machizukuri',
        contactEmail: 'not-an-address',
        corporateNumber: '1234567890123',
        website: 'ftp://example.jp',
      });
      const text = await html(refused, 400);
      const alert = alertOf(text);
      assert.match(alert, /入力内容に誤りがあります（4件）/);
      assert.match(alert, /団体名: 団体名を入力してください/);
      assert.match(alert, /連絡先メールアドレス: メールアドレスの形式が正しくありません/);
      assert.match(alert, /法人番号: 法人番号（13桁）が正しくありません/);
      assert.match(alert, /ウェブサイト: http:\/\/ か https:\/\/ で始まるURLを入力してください/);
      assert.match(text, /<a href="#contactEmail">/, 'each message links to its field');
      assert.match(text, /id="contactEmail"[^>]*value="not-an-address"/, 'what was typed comes back');
      assert.match(text, /<option value="machizukuri" selected="">まちづくり会社<\/option>/);

      const registered = await clerk.client.postForm(`${pages}/organisations`, {
        name: '気仙沼まちづくり株式会社',
        kind: 'machizukuri',
        description: '空き家の改修と地域交通の支援',
        area: '市内全域',
        contactEmail: 'info@machizukuri.example.jp',
        contactPhone: '0226-22-0000',
        website: 'https://machizukuri.example.jp',
        corporateNumber: '7000012050002',
      });
      const location = redirected(registered, /\/organisations\/[0-9a-f-]{36}\?notice=registered$/);
      machizukuriId = /organisations\/([0-9a-f-]{36})/.exec(location)![1]!;
      const detail = await html(await clerk.client.get(location), 200);
      assert.match(detail, /団体を登録しました。/);
      assert.match(detail, /気仙沼まちづくり株式会社 <span class="badge badge--status-approved">承認済み<\/span>/);
      assert.match(detail, /7000012050002/);
      assert.match(detail, /自治体が登録/);
      assert.equal(detail.includes('Cache-Control'), false);
      const audit = await auditOf('organisation.registered');
      assert.deepEqual(
        audit.map((event) => event.subject_id),
        [machizukuriId],
      );
    });

    it('an application waits first in the list; a rejection needs a reason; approval makes the applicant its 団体担当者', async () => {
      organiser = await signedInClient(runtime, 'uomachi@example.jp');
      const applied = await organiser.client.sendJson('/api/v1/organisation-applications', {
        lgCode: kesennuma,
        name: '魚町自治会',
        kind: 'jichikai',
        area: '魚町地区',
      });
      assert.equal(applied.status, 201);
      uomachiId = ((await applied.json()) as { id: string }).id;

      const list = await html(await clerk.client.get(`${pages}/organisations`), 200);
      assert.match(list, /承認を待っている申請が 1件 あります/);
      const names = [...list.matchAll(/<th scope="row"><a href="[^"]+">([^<]+)<\/a><\/th>/g)].map((match) => match[1]);
      assert.deepEqual(names, ['魚町自治会', '気仙沼まちづくり株式会社'], 'waiting applications first');

      const detail = await html(await clerk.client.get(`${pages}/organisations/${uomachiId}`), 200);
      assert.match(detail, /<h2 id="decision-heading">申請の審査<\/h2>/);
      assert.match(detail, /団体からの申請/);

      const noReason = await clerk.client.postForm(`${pages}/organisations/${uomachiId}/decision`, {
        decision: 'reject',
        reason: '',
      });
      assert.match(alertOf(await html(noReason, 400)), /理由: 理由を書いてください/);

      const mailsBefore = runtime.mail.lastSequence();
      redirected(
        await clerk.client.postForm(`${pages}/organisations/${uomachiId}/decision`, { decision: 'approve' }),
        /\?notice=approved$/,
      );
      await runtime.mail.waitForMail('uomachi@example.jp', (mail) => mail.sequence > mailsBefore);
      const approved = await html(await clerk.client.get(`${pages}/organisations/${uomachiId}?notice=approved`), 200);
      assert.match(approved, /承認しました。/);
      assert.match(approved, /<td>uomachi@example\.jp<\/td>/, 'the applicant is listed as its 団体担当者');
      assert.doesNotMatch(approved, /decision-heading/);

      const again = await clerk.client.postForm(`${pages}/organisations/${uomachiId}/decision`, {
        decision: 'approve',
      });
      assert.match(alertOf(await html(again, 409)), /最新の状態を読み込み直して/);

      await enrolAuthenticator(organiser.client);
    });

    it('a 団体担当者 sees and edits only their own organisation', async () => {
      const list = await html(await organiser.client.get(`${pages}/organisations`), 200);
      assert.match(list, /魚町自治会/);
      assert.doesNotMatch(list, /気仙沼まちづくり株式会社/);
      assert.doesNotMatch(list, /register-heading/);
      const own = await html(await organiser.client.get(`${pages}/organisations/${uomachiId}`), 200);
      assert.doesNotMatch(own, /designation-heading|suspension-heading|inviteEmail/);
      redirected(
        await organiser.client.postForm(`${pages}/organisations/${uomachiId}`, {
          name: '魚町自治会',
          kind: 'jichikai',
          area: '魚町一丁目・二丁目',
          contactPhone: '0226-00-0000',
        }),
        /\?notice=saved$/,
      );
      assert.match(
        await html(await organiser.client.get(`${pages}/organisations/${uomachiId}`), 200),
        /魚町一丁目・二丁目/,
      );
      const changed = await auditOf('organisation.updated');
      assert.deepEqual((changed.at(-1)?.data as { changed: string[] }).changed.sort(), ['area', 'contact_phone']);

      assert.equal((await organiser.client.get(`${pages}/organisations/${machizukuriId}`)).status, 404);
      const edit = await organiser.client.postForm(`${pages}/organisations/${machizukuriId}`, {
        name: '乗っ取り',
        kind: 'npo',
      });
      assert.equal(edit.status, 404);
      const designate = await organiser.client.postForm(`${pages}/organisations/${uomachiId}/designation`, {
        designated: 'true',
      });
      assert.match(alertOf(await html(designate, 403)), /この操作を行う権限がありません/);
    });

    it('pattern ②: the government designates the organisation from a date, and revokes it', async () => {
      const page = await html(await clerk.client.get(`${pages}/organisations/${uomachiId}`), 200);
      assert.match(page, /それより前の日の出席は、それまでの扱いのまま数えます/);
      const badDate = await clerk.client.postForm(`${pages}/organisations/${uomachiId}/designation`, {
        designated: 'true',
        effectiveFrom: '2026/04/01',
      });
      assert.match(alertOf(await html(badDate, 400)), /適用開始日: 日付を YYYY-MM-DD の形式で入力してください/);

      const from = plusDays(today, -7);
      redirected(
        await clerk.client.postForm(`${pages}/organisations/${uomachiId}/designation`, {
          designated: 'true',
          effectiveFrom: from,
        }),
        /\?notice=designated$/,
      );
      const designated = await html(await clerk.client.get(`${pages}/organisations/${uomachiId}`), 200);
      assert.match(designated, /指定中（/);
      assert.match(designated, /団体の指定を取り消す/);
      const events = await auditOf('organisation.designated');
      assert.equal((events[0]?.data as { effectiveFrom: string }).effectiveFrom, from);

      redirected(
        await clerk.client.postForm(`${pages}/organisations/${uomachiId}/designation`, { designated: 'false' }),
        /\?notice=undesignated$/,
      );
      assert.match(
        await html(await clerk.client.get(`${pages}/organisations/${uomachiId}`), 200),
        /この団体を指定する/,
      );
      assert.equal((await auditOf('organisation.designation_revoked')).length, 1);
    });

    it('the government invites a 団体担当者 by e-mail; the invited person then works for that organisation', async () => {
      const bad = await clerk.client.postForm(`${pages}/organisations/${machizukuriId}/invitations`, { email: 'nope' });
      assert.match(alertOf(await html(bad, 400)), /メールアドレス: /);

      const mailsBefore = runtime.mail.lastSequence();
      redirected(
        await clerk.client.postForm(`${pages}/organisations/${machizukuriId}/invitations`, {
          email: 'staff@machizukuri.example.jp',
        }),
        /\?notice=invited$/,
      );
      const page = await html(await clerk.client.get(`${pages}/organisations/${machizukuriId}`), 200);
      assert.match(page, /<td>staff@machizukuri\.example\.jp<\/td>/);
      const mail = await runtime.mail.waitForMail(
        'staff@machizukuri.example.jp',
        (message) => message.sequence > mailsBefore && message.subject.includes('招待'),
      );
      const invited = await signedInClient(runtime, 'staff@machizukuri.example.jp');
      const accepted = await invited.client.sendJson('/api/v1/staff/invitations/accept', {
        token: tokenOf(linkIn(mail.text)),
      });
      assert.equal(accepted.status, 200);
      await enrolAuthenticator(invited.client);
      secondOrganiser = invited.client;
      const own = await html(await secondOrganiser.get(`${pages}/organisations`), 200);
      assert.match(own, /気仙沼まちづくり株式会社/);
      assert.doesNotMatch(own, /魚町自治会/);
    });

    it('the government withdraws an invitation sent to the wrong address; its link no longer works', async () => {
      const mailsBefore = runtime.mail.lastSequence();
      redirected(
        await clerk.client.postForm(`${pages}/organisations/${machizukuriId}/invitations`, {
          email: 'typo@machizukuri.example.jp',
        }),
        /\?notice=invited$/,
      );
      const mail = await runtime.mail.waitForMail(
        'typo@machizukuri.example.jp',
        (message) => message.sequence > mailsBefore && message.subject.includes('招待'),
      );
      const before = await html(await clerk.client.get(`${pages}/organisations/${machizukuriId}`), 200);
      const withdraw = new RegExp(`${pages}/organisations/${machizukuriId}/invitations/([0-9a-f-]{36})/withdraw`).exec(
        before,
      );
      assert.ok(withdraw, 'the open invitation has a withdraw button');
      const invitationId = withdraw[1]!;
      assert.equal(
        (await clerk.client.postForm(`${pages}/organisations/${uomachiId}/invitations/${invitationId}/withdraw`, {}))
          .status,
        404,
        'another organisation’s page cannot withdraw it',
      );

      redirected(
        await clerk.client.postForm(`${pages}/organisations/${machizukuriId}/invitations/${invitationId}/withdraw`, {}),
        /\?notice=invitationWithdrawn$/,
      );
      const after = await html(
        await clerk.client.get(`${pages}/organisations/${machizukuriId}?notice=invitationWithdrawn`),
        200,
      );
      assert.match(after, /招待を取り消しました/);
      assert.doesNotMatch(after, /typo@machizukuri\.example\.jp/);
      assert.equal((await auditOf('staff.invitation_revoked')).length, 1);

      const invited = await signedInClient(runtime, 'typo@machizukuri.example.jp');
      const refused = await invited.client.sendJson('/api/v1/staff/invitations/accept', {
        token: tokenOf(linkIn(mail.text)),
      });
      assert.equal(refused.status, 409);
      const again = await clerk.client.postForm(
        `${pages}/organisations/${machizukuriId}/invitations/${invitationId}/withdraw`,
        {},
      );
      assert.equal(again.status, 404);
    });

    it('suspends and reinstates an organisation', async () => {
      redirected(
        await admin.client.postForm(`${pages}/organisations/${machizukuriId}/suspension`, {
          suspended: 'true',
          reason: '会計報告の確認中',
        }),
        /\?notice=suspended$/,
      );
      const suspended = await html(await admin.client.get(`${pages}/organisations/${machizukuriId}`), 200);
      assert.match(suspended, /活動停止中/);
      assert.match(suspended, /会計報告の確認中/);
      const plan = await secondOrganiser.postForm(`${pages}/projects`, { title: '停止中の計画', category: 'other' });
      assert.match(alertOf(await html(plan, 409)), /自治体が団体を承認するまで/);
      redirected(
        await admin.client.postForm(`${pages}/organisations/${machizukuriId}/suspension`, { suspended: 'false' }),
        /\?notice=reinstated$/,
      );
      assert.equal((await auditOf('organisation.suspended')).length, 1);
      assert.equal((await auditOf('organisation.reinstated')).length, 1);
    });
  });

  describe('projects', () => {
    it('the organisation plans a project for itself; validation errors come back in Japanese', async () => {
      const page = await html(await organiser.client.get(`${pages}/projects`), 200);
      assert.match(page, /<strong>実施する団体<\/strong>: 魚町自治会/);
      assert.doesNotMatch(page, /id="organisationId"/, 'a 団体担当者 plans for their own organisation only');

      const refused = await organiser.client.postForm(`${pages}/projects`, { title: '', category: '' });
      const alert = alertOf(await html(refused, 400));
      assert.match(alert, /事業名: 事業名を入力してください/);
      assert.match(alert, /分野: 分野を選んでください/);

      const created = await organiser.client.postForm(`${pages}/projects`, {
        title: '魚町 朝の清掃活動',
        category: 'environment',
        description: '漁港まわりのごみ拾い',
        placeName: '魚町公民館',
        whatToBring: '軍手、飲み物',
        contact: '魚町自治会 0226-00-0000',
        accessibility: '公民館は段差なし',
      });
      const location = redirected(created, /\/projects\/[0-9a-f-]{36}\?notice=created$/);
      projectId = /projects\/([0-9a-f-]{36})/.exec(location)![1]!;
      const detail = await html(await organiser.client.get(location), 200);
      assert.match(detail, /<h1>魚町 朝の清掃活動<\/h1>/);
      assert.match(detail, /計画中（非公開）/);
      assert.match(detail, /公民館は段差なし/);
      assert.match(detail, /自治体に指定を依頼する/);
      assert.doesNotMatch(detail, /name="designation"/, 'only the government designates');
    });

    it('the government plans for an organisation or for itself, and sees every plan of its area', async () => {
      const page = await html(await clerk.client.get(`${pages}/projects`), 200);
      assert.match(page, /<option value="" selected="">自治体の事業（宮城県 気仙沼市）<\/option>/);
      assert.match(page, new RegExp(`<option value="${machizukuriId}">気仙沼まちづくり株式会社</option>`));
      const created = await clerk.client.postForm(`${pages}/projects`, {
        organisationId: machizukuriId,
        title: '空き家リノベーション体験',
        category: 'vacant_houses',
      });
      otherProjectId = /projects\/([0-9a-f-]{36})/.exec(redirected(created, /notice=created/))![1]!;
      redirected(
        await clerk.client.postForm(`${pages}/projects`, {
          organisationId: '',
          title: '市の防災訓練',
          category: 'disaster_prevention',
        }),
        /notice=created/,
      );
      const list = await html(await clerk.client.get(`${pages}/projects`), 200);
      assert.match(list, /事業 3件/);
      assert.match(list, /魚町 朝の清掃活動/);
      const own = await html(await clerk.client.get(`${pages}/projects?organisationId=own`), 200);
      assert.match(own, /事業 1件/);
      assert.match(own, /市の防災訓練/);
      const byCategory = await html(
        await clerk.client.get(`${pages}/projects?category=vacant_houses&status=draft`),
        200,
      );
      assert.match(byCategory, /事業 1件/);
      assert.match(byCategory, /空き家リノベーション体験/);
      const first = await html(await clerk.client.get(`${pages}/projects?perPage=1`), 200);
      assert.match(first, /1 \/ 3ページ/);
      assert.match(first, /<a href="\/staff\/042056\/projects\?perPage=1&amp;page=2">次のページへ<\/a>/);
      const second = await html(await clerk.client.get(`${pages}/projects?perPage=1&page=2`), 200);
      assert.match(second, /2 \/ 3ページ/);
      assert.match(second, /前のページへ/);
      const bad = await html(await clerk.client.get(`${pages}/projects?status=unknown&page=0`), 400);
      assert.match(alertOf(bad), /状態/);
      assert.match(alertOf(bad), /ページ/);
    });

    it('a 団体担当者 sees only their organisation’s projects: another one is not found (404)', async () => {
      const list = await html(await organiser.client.get(`${pages}/projects`), 200);
      assert.match(list, /事業 1件/);
      assert.doesNotMatch(list, /空き家リノベーション体験|市の防災訓練/);
      assert.equal((await organiser.client.get(`${pages}/projects/${otherProjectId}`)).status, 404);
      assert.equal(
        (await organiser.client.postForm(`${pages}/projects/${otherProjectId}/status`, { status: 'published' })).status,
        404,
      );
      assert.equal((await secondOrganiser.get(`${pages}/projects/${projectId}`)).status, 404);
    });

    it('a designation request waits in a visible queue; the government designates from a date', async () => {
      redirected(
        await organiser.client.postForm(`${pages}/projects/${projectId}/designation-request`),
        /notice=requested/,
      );
      assert.match(
        await html(await organiser.client.get(`${pages}/projects/${projectId}`), 200),
        /自治体に指定を依頼しました/,
      );
      const list = await html(await clerk.client.get(`${pages}/projects`), 200);
      assert.match(list, /団体から指定の依頼が 1件 届いています。/);
      const queue = await html(await clerk.client.get(`${pages}/projects?designationRequested=true`), 200);
      assert.match(queue, /事業 1件/);
      assert.match(queue, /指定の依頼中/);

      const detail = await html(await clerk.client.get(`${pages}/projects/${projectId}`), 200);
      assert.match(detail, /団体からこの事業の指定の依頼が届いています/);
      assert.match(detail, /団体の指定に従う（団体は現在「指定なし」）/);
      const tried = await organiser.client.postForm(`${pages}/projects/${projectId}/designation`, {
        designation: 'designated',
      });
      assert.equal(tried.status, 403);
      const from = plusDays(today, -30);
      redirected(
        await clerk.client.postForm(`${pages}/projects/${projectId}/designation`, {
          designation: 'designated',
          effectiveFrom: from,
        }),
        /notice=designation/,
      );
      const designated = await html(await clerk.client.get(`${pages}/projects/${projectId}`), 200);
      assert.match(designated, /数える（指定された担い手活動）/);
      const change = (await auditOf('project.designation_changed')).at(-1)?.data as Record<string, unknown>;
      assert.deepEqual(
        { to: change.to, designated: change.designated, effectiveFrom: change.effectiveFrom },
        { to: 'designated', designated: true, effectiveFrom: from },
      );
      assert.doesNotMatch(await html(await clerk.client.get(`${pages}/projects`), 200), /指定の依頼が \d+件/);
    });

    it('adds sessions in Japan time, with their times and counts in the table', async () => {
      const refused = await organiser.client.postForm(`${pages}/projects/${projectId}/sessions`, {
        startsAt: `${plusDays(today, 3)}T10:00`,
        endsAt: `${plusDays(today, 3)}T09:00`,
        capacity: '0',
      });
      const alert = alertOf(await html(refused, 400));
      assert.match(alert, /定員: 定員は1人以上にしてください/);
      assert.match(alert, /終了日時: 終了日時は開始日時より後にしてください/);

      const day = plusDays(today, 1);
      redirected(
        await organiser.client.postForm(`${pages}/projects/${projectId}/sessions`, {
          startsAt: `${day}T06:00`,
          endsAt: `${day}T08:00`,
          capacity: '1',
          note: '雨天中止',
        }),
        /notice=session-added/,
      );
      // A three-day festival that began the day before yesterday.
      redirected(
        await organiser.client.postForm(`${pages}/projects/${projectId}/sessions`, {
          startsAt: `${plusDays(today, -2)}T09:00`,
          endsAt: `${plusDays(today, 1)}T17:00`,
          capacity: '',
        }),
        /notice=session-added/,
      );
      const rows = await withTenant(db(), kesennuma, (scope) =>
        scope.trx
          .selectFrom('activity_sessions')
          .select(['id', 'starts_at', 'capacity'])
          .where('project_id', '=', projectId)
          .orderBy('starts_at')
          .execute(),
      );
      festivalId = rows[0]!.id;
      sessionId = rows[1]!.id;
      assert.equal(rows[1]!.starts_at.toISOString(), new Date(`${day}T06:00:00+09:00`).toISOString());
      assert.equal(rows[0]!.capacity, null);
      const detail = await html(await organiser.client.get(`${pages}/projects/${projectId}`), 200);
      assert.match(detail, /日程（2回）/);
      assert.match(detail, /6:00〜08:00|06:00〜08:00/);
      assert.match(detail, /制限なし/);
      assert.match(detail, new RegExp(`href="${pages}/sessions/${sessionId}/check-in"`));
    });

    it('publishes the project; cancelling asks for a confirmation first', async () => {
      redirected(
        await organiser.client.postForm(`${pages}/projects/${projectId}/status`, { status: 'published' }),
        /notice=published/,
      );
      assert.match(await html(await organiser.client.get(`${pages}/projects/${projectId}`), 200), /公開中/);
      const unconfirmed = await clerk.client.postForm(`${pages}/projects/${otherProjectId}/status`, {
        status: 'cancelled',
      });
      assert.match(alertOf(await html(unconfirmed, 400)), /確認: 中止してよいか確認のチェックを入れてください/);
      redirected(
        await clerk.client.postForm(`${pages}/projects/${otherProjectId}/status`, {
          status: 'cancelled',
          confirm: 'yes',
        }),
        /notice=cancelled/,
      );
      const cancelled = await html(await clerk.client.get(`${pages}/projects/${otherProjectId}`), 200);
      assert.match(cancelled, /この事業は中止されました。/);
      assert.doesNotMatch(cancelled, /日程を追加する/);
      const impossible = await clerk.client.postForm(`${pages}/projects/${otherProjectId}/status`, {
        status: 'published',
      });
      assert.match(alertOf(await html(impossible, 409)), /最新の状態を読み込み直して/);
    });

    it('edits the project', async () => {
      const refused = await organiser.client.postForm(`${pages}/projects/${projectId}`, {
        title: 'x'.repeat(201),
        category: 'environment',
      });
      assert.match(alertOf(await html(refused, 400)), /事業名: 200文字以内で入力してください/);
      redirected(
        await organiser.client.postForm(`${pages}/projects/${projectId}`, {
          title: '魚町 朝の清掃活動',
          category: 'environment',
          placeName: '魚町公民館前',
          whatToBring: '軍手',
        }),
        /notice=saved/,
      );
      assert.match(await html(await organiser.client.get(`${pages}/projects/${projectId}`), 200), /魚町公民館前/);
    });
  });

  describe('the roster of a session', () => {
    before(async () => {
      for (const person of people) {
        for (const id of [sessionId, festivalId]) {
          const applied = await person.client.sendJson(`/api/v1/activities/${kesennuma}/sessions/${id}/applications`, {
            comment: person.name === '青井 葵' ? '初参加です' : '',
          });
          assert.equal(applied.status, 201, await applied.clone().text());
        }
      }
    });

    it('lists confirmed people, the waiting list in order, and links the check-in page', async () => {
      const response = await organiser.client.get(`${pages}/sessions/${sessionId}`);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      const text = await html(response, 200);
      assert.match(
        text,
        new RegExp(`<a class="button" href="${pages}/sessions/${sessionId}/check-in">チェックイン画面を開く</a>`),
      );
      assert.match(text, /参加確定（1人）/);
      assert.match(text, /<th scope="row">青井 葵<\/th><td>aoi@example\.jp<\/td><td>初参加です<\/td>/);
      assert.match(text, /キャンセル待ち（2人）/);
      assert.match(text, /<td>1番目<\/td><th scope="row">山田 蓮<\/th>/);
      assert.match(text, /<td>2番目<\/td><th scope="row">佐藤 芽衣<\/th>/);
      assert.match(text, /数える（指定された事業）/);
    });

    it('shows each day of a session over several days, and records attendance by hand on a day', async () => {
      const text = await html(await organiser.client.get(`${pages}/sessions/${festivalId}`), 200);
      const dayHeaders = [...text.matchAll(/<th scope="col">(\d{4}年\d+月\d+日\([^)]+\))<\/th>/g)].map(
        (match) => match[1],
      );
      assert.equal(dayHeaders.length, 4, 'from the day before yesterday to tomorrow');
      assert.match(text, /まだ出席の記録はありません。/);
      const options = [...text.matchAll(/<option value="(\d{4}-\d{2}-\d{2})"/g)].map((match) => match[1]);
      assert.deepEqual(
        options,
        [plusDays(today, -2), plusDays(today, -1), today],
        'days still to come are not offered',
      );

      const applications = await withTenant(db(), kesennuma, (scope) =>
        scope.trx
          .selectFrom('session_applications')
          .select(['id', 'shared_name'])
          .where('session_id', '=', festivalId)
          .orderBy('applied_at')
          .execute(),
      );
      const aoi = applications[0]!.id;
      const noReason = await organiser.client.postForm(`${pages}/sessions/${festivalId}/attendance`, {
        person: `application:${aoi}`,
        activityDate: plusDays(today, -2),
        reason: '',
      });
      assert.match(alertOf(await html(noReason, 400)), /理由: 理由を入力してください/);
      const noPerson = await organiser.client.postForm(`${pages}/sessions/${festivalId}/attendance`, {
        person: '',
        activityDate: today,
        reason: '受付で確認',
      });
      assert.match(alertOf(await html(noPerson, 400)), /参加者: 参加者を選んでください/);

      for (const day of [plusDays(today, -2), plusDays(today, -1)]) {
        redirected(
          await organiser.client.postForm(`${pages}/sessions/${festivalId}/attendance`, {
            person: `application:${aoi}`,
            activityDate: day,
            reason: 'スマートフォンの電池切れのため受付で確認',
          }),
          /notice=recorded$/,
        );
      }
      redirected(
        await organiser.client.postForm(`${pages}/sessions/${festivalId}/attendance`, {
          person: `application:${aoi}`,
          activityDate: plusDays(today, -1),
          reason: 'もう一度',
        }),
        /notice=already-present$/,
      );
      const after = await html(await organiser.client.get(`${pages}/sessions/${festivalId}`), 200);
      assert.match(after, /出席の記録（2件）/);
      assert.match(after, /<th scope="row">青井 葵<\/th><td>出席<\/td><td>出席<\/td><td>—<\/td><td>—<\/td>/);
      assert.match(after, /<td>手入力<\/td><td>数える<\/td>/);
      const corrected = await auditOf('attendance.corrected');
      assert.deepEqual(
        corrected.map((event) => (event.data as { change: string; reason: string }).reason),
        ['スマートフォンの電池切れのため受付で確認', 'スマートフォンの電池切れのため受付で確認'],
      );
    });

    it('removes a wrong attendance only with a reason, and keeps it listed as removed', async () => {
      const row = await withTenant(db(), kesennuma, (scope) =>
        scope.trx
          .selectFrom('attendance')
          .select('id')
          .where('session_id', '=', festivalId)
          .orderBy('activity_date', 'desc')
          .executeTakeFirstOrThrow(),
      );
      const path = `${pages}/sessions/${festivalId}/attendance/${row.id}/removal`;
      const noReason = await organiser.client.postForm(path, { reason: '' });
      assert.match(alertOf(await html(noReason, 400)), /理由: 理由を入力してください/);
      redirected(await organiser.client.postForm(path, { reason: '別の日と取り違えたため' }), /notice=removed$/);
      const text = await html(await organiser.client.get(`${pages}/sessions/${festivalId}`), 200);
      assert.match(text, /取り消し済み（別の日と取り違えたため）/);
      assert.equal(
        (
          await withTenant(db(), kesennuma, (scope) =>
            scope.trx.selectFrom('attendance').select('status').where('id', '=', row.id).executeTakeFirstOrThrow(),
          )
        ).status,
        'removed',
      );
    });

    it('lists someone present without applying, who can then be recorded by hand on another day', async () => {
      const walkIn = await signedInClient(runtime, 'walkin@example.jp');
      await walkIn.client.sendJson('/api/v1/me', { displayName: '飛び入り 太郎', locale: 'ja' }, 'PATCH');
      const key = sessionCodeKey(testConfig().APP_SECRET, kesennuma, festivalId);
      const slot = slotAt(new Date());
      const code = checkinCodeUrl('http://localhost:3000', kesennuma, festivalId, slot, codeMac(key, slot));
      const scanned = await walkIn.client.sendJson('/api/v1/me/check-ins', { code, sessionId: festivalId });
      assert.equal(scanned.status, 201, await scanned.clone().text());
      const { attendanceId } = (await scanned.json()) as { attendanceId: string };

      const text = await html(await organiser.client.get(`${pages}/sessions/${festivalId}`), 200);
      assert.match(text, /申し込みなしで出席した方（1人）/);
      assert.match(
        text,
        /<th scope="row">飛び入り 太郎<span class="badge">申し込みなし<\/span><\/th><td>—<\/td><td>—<\/td><td>出席<\/td>/,
      );
      assert.match(text, /<td>会場のQRコード<\/td>/);
      assert.match(
        text,
        new RegExp(
          `<optgroup label="ほかの日に出席した方"><option value="attendance:${attendanceId}">飛び入り 太郎</option>`,
        ),
      );

      redirected(
        await organiser.client.postForm(`${pages}/sessions/${festivalId}/attendance`, {
          person: `attendance:${attendanceId}`,
          activityDate: plusDays(today, -1),
          reason: '前日は受付を通らずに参加',
        }),
        /notice=recorded$/,
      );
      const after = await html(await organiser.client.get(`${pages}/sessions/${festivalId}`), 200);
      assert.match(
        after,
        /<th scope="row">飛び入り 太郎<span class="badge">申し込みなし<\/span><\/th><td>—<\/td><td>出席<\/td><td>出席<\/td>/,
      );
    });

    it('changes the session: a larger capacity moves the waiting list up; a smaller one is refused', async () => {
      const day = plusDays(today, 1);
      const smaller = await organiser.client.postForm(`${pages}/sessions/${festivalId}`, {
        startsAt: `${plusDays(today, -2)}T09:00`,
        endsAt: `${day}T17:00`,
        capacity: '1',
      });
      assert.match(alertOf(await html(smaller, 409)), /申し込みが確定している人数より少ない定員にはできません/);
      redirected(
        await organiser.client.postForm(`${pages}/sessions/${sessionId}`, {
          startsAt: `${day}T06:00`,
          endsAt: `${day}T08:00`,
          capacity: '2',
          note: '雨天中止・小雨決行',
        }),
        /notice=saved$/,
      );
      const text = await html(await organiser.client.get(`${pages}/sessions/${sessionId}`), 200);
      assert.match(text, /参加確定（2人）/);
      assert.match(text, /<td>1番目<\/td><th scope="row">佐藤 芽衣<\/th>/);
      assert.match(text, /雨天中止・小雨決行/);
    });

    it('closes and reopens applications', async () => {
      redirected(
        await organiser.client.postForm(`${pages}/sessions/${sessionId}/applications-open`, { open: 'false' }),
        /notice=closed$/,
      );
      assert.match(
        await html(await organiser.client.get(`${pages}/sessions/${sessionId}`), 200),
        /申し込みの受付を再開する/,
      );
      redirected(
        await organiser.client.postForm(`${pages}/sessions/${sessionId}/applications-open`, { open: 'true' }),
        /notice=opened$/,
      );
      assert.deepEqual([(await auditOf('session.closed')).length, (await auditOf('session.reopened')).length], [1, 1]);
    });

    it('writes to the participants: each gets a mail, and the message stays on the page', async () => {
      const empty = await organiser.client.postForm(`${pages}/sessions/${sessionId}/messages`, {
        subject: '',
        body: '',
        audience: 'confirmed',
      });
      const alert = alertOf(await html(empty, 400));
      assert.match(alert, /件名: 件名を入力してください/);
      assert.match(alert, /本文: 本文を入力してください/);
      const mailsBefore = runtime.mail.lastSequence();
      redirected(
        await organiser.client.postForm(`${pages}/sessions/${sessionId}/messages`, {
          subject: '集合場所の変更',
          body: '集合場所を魚町公民館前に変更します。',
          audience: 'confirmed_and_waitlisted',
        }),
        /notice=sent$/,
      );
      for (const person of people) {
        const mail = await runtime.mail.waitForMail(
          person.email,
          (message) => message.sequence > mailsBefore && message.subject.includes('集合場所の変更'),
        );
        assert.match(mail.text, /集合場所を魚町公民館前に変更します。/);
      }
      const text = await html(await organiser.client.get(`${pages}/sessions/${sessionId}`), 200);
      assert.match(text, /送ったメッセージ（1件）/);
      assert.match(text, /参加確定とキャンセル待ちの方 3人に送信/);
    });

    it('cancels the session only when confirmed, and tells every applicant', async () => {
      const unconfirmed = await organiser.client.postForm(`${pages}/sessions/${sessionId}/cancellation`, {
        reason: '台風の接近のため',
      });
      assert.match(alertOf(await html(unconfirmed, 400)), /確認: 中止してよいか確認のチェックを入れてください/);
      const mailsBefore = runtime.mail.lastSequence();
      redirected(
        await organiser.client.postForm(`${pages}/sessions/${sessionId}/cancellation`, {
          reason: '台風の接近のため',
          confirm: 'yes',
        }),
        /notice=cancelled$/,
      );
      const mail = await runtime.mail.waitForMail(
        people[0]!.email,
        (message) => message.sequence > mailsBefore && message.subject.includes('中止のお知らせ'),
      );
      assert.match(mail.text, /台風の接近のため/);
      const text = await html(await organiser.client.get(`${pages}/sessions/${sessionId}`), 200);
      assert.match(text, /この回は中止されました。/);
      assert.doesNotMatch(text, /チェックイン画面を開く/);
      assert.match(text, /キャンセル・取り消し（3人）/);
    });

    it('another organisation and another government find no roster (404)', async () => {
      assert.equal((await secondOrganiser.get(`${pages}/sessions/${festivalId}`)).status, 404);
      assert.equal(
        (await secondOrganiser.postForm(`${pages}/sessions/${festivalId}/messages`, { subject: 'x', body: 'y' }))
          .status,
        404,
      );
      assert.equal((await otherGovernment.client.get(`${pages}/sessions/${festivalId}`)).status, 404);
    });
  });

  describe('the attendance report', () => {
    it('shows the fiscal year per project and session, with totals and a CSV download that is audited', async () => {
      const text = await html(await clerk.client.get(`${pages}/attendance`), 200);
      assert.match(text, /延べ参加日数<\/dt><dd>3日<\/dd>/);
      assert.match(text, /うち指定活動の日数<\/dt><dd>3日<\/dd>/);
      assert.match(text, /魚町 朝の清掃活動/);
      assert.match(text, /<option value="\d{4}" selected="">\d{4}年度/);
      const csv = await clerk.client.get(`${pages}/attendance.csv`);
      assert.equal(csv.status, 200);
      assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
      assert.match(csv.headers.get('content-disposition') ?? '', /attendance-042056-FY\d{4}\.csv/);
      const bytes = new Uint8Array(await csv.arrayBuffer());
      assert.deepEqual([...bytes.slice(0, 3)], [0xef, 0xbb, 0xbf], 'a BOM, so that Excel reads UTF-8');
      const body = new TextDecoder().decode(bytes);
      assert.match(body, /^事業,分野,団体/);
      assert.match(body, /魚町 朝の清掃活動,清掃・環境,魚町自治会,指定/);
      assert.equal((await auditOf('attendance.exported')).length, 1);

      const own = await html(await secondOrganiser.get(`${pages}/attendance`), 200);
      assert.doesNotMatch(own, /魚町 朝の清掃活動/, 'a 団体担当者 sees their own projects only');
      assert.match(
        alertOf(await html(await clerk.client.get(`${pages}/attendance?fiscalYear=1999`), 400)),
        /今年度を表示/,
      );
    });
  });

  it('speaks English when asked', async () => {
    const project = await html(await clerk.client.get(`${pages}/projects/${projectId}?lang=en`), 200);
    assert.match(project, /<html lang="en">/);
    assert.match(project, /<h2 id="facts-heading">Overview<\/h2>/);
    assert.match(project, /Sessions \(2\)/);
    const roster = await html(await clerk.client.get(`${pages}/sessions/${festivalId}`), 200);
    assert.match(roster, /Presence by day/);
    const unset = await html(await unassigned.client.get(`${pages}/projects?lang=en`), 403);
    assert.match(unset, /<h1>No organisation set<\/h1>/);
  });

  it('another government’s staff get 404 on every activities page of this one', async () => {
    for (const path of [
      `${pages}/organisations`,
      `${pages}/organisations/${uomachiId}`,
      `${pages}/projects`,
      `${pages}/projects/${projectId}`,
      `${pages}/sessions/${festivalId}`,
      `${pages}/attendance`,
      `${pages}/attendance.csv`,
    ]) {
      const response = await otherGovernment.client.get(path);
      assert.equal(response.status, 404, path);
      assert.doesNotMatch(await response.text(), /魚町/);
    }
  });
});
