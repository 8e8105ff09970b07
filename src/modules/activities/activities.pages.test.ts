import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { registerWithGovernment } from '../registrations/index.js';
import { testConfig } from '../../../test/support/app.js';
import type { TestClient } from '../../../test/support/client.js';
import { signedInClient, startTestRuntime, type TestRuntime } from '../../../test/support/runtime.js';
import { joinTenants, signedInStaff, type StaffSession } from '../../../test/support/staff.js';
import { checkinCodeUrl, codeMac, sessionCodeKey, slotAt } from './checkin-code.js';

/**
 * The registrant's pages, without JavaScript: finding activities, applying (and the waiting list),
 * cancelling, my activities with the premium progress and the printable record, applying as an
 * organisation, and checking in through a code opened by the phone's camera app (sign-in in between).
 */
const kesennuma = '042056';
const config = testConfig();
const minutes = (count: number) => count * 60 * 1000;

function codeFor(sessionId: string, slot = slotAt(new Date())): string {
  const key = sessionCodeKey(config.APP_SECRET, kesennuma, sessionId);
  return new URL(checkinCodeUrl('http://localhost:3000', kesennuma, sessionId, slot, codeMac(key, slot))).pathname;
}

describe('activities pages', () => {
  let runtime: TestRuntime;
  let clerk: StaffSession;
  let projectId: string;
  let sessionId: string;
  let aoi: { client: TestClient; personId: string };
  let ren: { client: TestClient; personId: string };

  before(async () => {
    runtime = await startTestRuntime();
    await joinTenants(runtime, [kesennuma]);
    clerk = await signedInStaff(runtime, {
      lgCode: kesennuma,
      email: 'clerk@kesennuma.example.jp',
      role: 'tenant_staff',
    });
    const api = `/api/v1/tenants/${kesennuma}`;
    const project = (await (
      await clerk.client.sendJson(`${api}/projects`, {
        title: '唐桑 牡蠣養殖の手伝い',
        category: 'agriculture',
        placeName: '唐桑漁港',
        whatToBring: '長靴、雨具',
        accessibility: '船上作業があります。',
      })
    ).json()) as { id: string };
    projectId = project.id;
    await clerk.client.sendJson(`${api}/projects/${projectId}/designation`, { designation: 'designated' }, 'PUT');
    await clerk.client.sendJson(`${api}/projects/${projectId}/status`, { status: 'published' }, 'PUT');
    const session = (await (
      await clerk.client.sendJson(`${api}/projects/${projectId}/sessions`, {
        startsAt: new Date(Date.now() - minutes(15)).toISOString(),
        endsAt: new Date(Date.now() + minutes(180)).toISOString(),
        capacity: 1,
      })
    ).json()) as { id: string };
    sessionId = session.id;
    aoi = await signedInClient(runtime, 'aoi@example.jp');
    await aoi.client.sendJson('/api/v1/me', { displayName: '阿部 葵', locale: 'ja' }, 'PATCH');
    await registerWithGovernment({
      db: runtime.database.db,
      personId: aoi.personId,
      lgCode: kesennuma,
      input: { ties: ['family'] },
    });
    ren = await signedInClient(runtime, 'ren@example.jp');
  });

  after(async () => {
    await runtime?.close();
  });

  it('anyone finds the activity and reads what to bring', async () => {
    const anonymous = runtime.client();
    const list = await anonymous.get('/activities?category=agriculture&designated=true');
    assert.equal(list.status, 200);
    const html = await list.text();
    assert.match(html, /唐桑 牡蠣養殖の手伝い/);
    assert.match(html, /残り1人/);
    assert.match(html, /プレミアム登録の対象活動/);
    const project = await anonymous.get(`/activities/${kesennuma}/${projectId}`);
    const page = await project.text();
    assert.match(page, /長靴、雨具/);
    assert.match(page, /ログインして申し込む/);
    assert.equal((await anonymous.get('/activities?prefecture=99')).status, 400);
    assert.equal((await anonymous.get(`/activities/${kesennuma}/0190a000-0000-7000-8000-000000000000`)).status, 404);
  });

  it('applies by form; the next person joins the waiting list; cancelling moves them up', async () => {
    const applied = await aoi.client.postForm(`/activities/${kesennuma}/sessions/${sessionId}/apply`, {
      project: projectId,
      comment: '初めて参加します',
    });
    assert.equal(applied.status, 303);
    assert.equal(applied.headers.get('location'), `/activities/${kesennuma}/${projectId}?notice=applied`);
    const waiting = await ren.client.postForm(`/activities/${kesennuma}/sessions/${sessionId}/apply`, {
      project: projectId,
    });
    assert.equal(waiting.headers.get('location'), `/activities/${kesennuma}/${projectId}?notice=waitlisted&position=1`);
    const shown = await (
      await ren.client.get(`/activities/${kesennuma}/${projectId}?notice=waitlisted&position=1`)
    ).text();
    assert.match(shown, /キャンセル待ち（1番目）で申し込みました/);

    const again = await ren.client.postForm(`/activities/${kesennuma}/sessions/${sessionId}/apply`, {
      project: projectId,
    });
    assert.equal(again.status, 409);
    assert.match(await again.text(), /すでに申し込んでいます|キャンセル待ちを含みます/);

    const mine = await (await aoi.client.get('/my/activities')).text();
    assert.match(mine, /唐桑 牡蠣養殖の手伝い/);
    assert.match(mine, /参加確定/);
    const applicationId = /\/my\/activities\/applications\/042056\/([0-9a-f-]{36})\/cancel/.exec(mine)?.[1];
    assert.ok(applicationId);
    const cancelled = await aoi.client.postForm(`/my/activities/applications/${kesennuma}/${applicationId}/cancel`);
    assert.equal(cancelled.headers.get('location'), '/my/activities?notice=cancelled');
    const renNow = await (await ren.client.get('/my/activities')).text();
    assert.match(renNow, /参加確定/);
    assert.doesNotMatch(renNow, /キャンセル待ち（/);
  });

  it('a code opened by the camera app survives signing in and checks the person in once', async () => {
    const phone = runtime.client();
    const landing = await phone.get(codeFor(sessionId));
    assert.equal(landing.status, 303);
    assert.equal(landing.headers.get('location'), '/checkin/confirm');
    const beforeSignIn = await phone.get('/checkin/confirm');
    assert.equal(beforeSignIn.status, 303);
    assert.match(beforeSignIn.headers.get('location') ?? '', /^\/signin\?next=%2Fcheckin%2Fconfirm/);

    // Signing in takes longer than the code lives; the ticket of this browser is what counts.
    const signedIn = await signedInClient(runtime, 'aoi@example.jp');
    phone.cookies.set('sid', signedIn.client.cookies.get('sid') ?? '');
    const confirm = await phone.get('/checkin/confirm');
    assert.equal(confirm.status, 200);
    assert.match(await confirm.text(), /唐桑 牡蠣養殖の手伝い/);
    const done = await phone.postForm('/checkin/confirm');
    assert.equal(done.status, 201);
    assert.match(await done.text(), /プレミアム登録の要件に数えられます/);
    const twice = await phone.postForm('/checkin/confirm');
    assert.equal(twice.status, 400, 'the ticket is used up');

    const expired = await phone.get(codeFor(sessionId, slotAt(new Date()) - 5));
    assert.equal(expired.status, 400);
    assert.match(await expired.text(), /有効期限が切れています/);
    const forged = await phone.get(codeFor(sessionId).replace(/\.[A-Za-z0-9_-]{22}$/, '.BBBBBBBBBBBBBBBBBBBBBB'));
    assert.equal(forged.status, 400);
    assert.match(await forged.text(), /このQRコードは使えません/);
  });

  it('my activities: progress toward premium, history and a printable record', async () => {
    const page = await (await aoi.client.get('/my/activities')).text();
    assert.match(page, /指定された担い手活動 1回（必要 3回）: あと2回必要です。/);
    assert.match(page, /参加 1日（うち指定された担い手活動 1日）/);
    const fiscalYear = /fiscalYear=(\d{4})/.exec(page)?.[1];
    const record = await aoi.client.get(`/my/activities/record?lgCode=${kesennuma}&fiscalYear=${fiscalYear}`);
    assert.equal(record.status, 200);
    const text = await record.text();
    assert.match(text, /阿部 葵/);
    assert.match(text, /宮城県気仙沼市/);
    assert.match(text, /会場のQRコード/);
    assert.equal((await aoi.client.get('/my/activities/record?lgCode=042055&fiscalYear=2026')).status, 404);
  });

  it('applies as an organisation: errors in Japanese, then received', async () => {
    const form = await ren.client.get(`/organisations/apply?lgCode=${kesennuma}`);
    assert.match(await form.text(), /宮城県気仙沼市/);
    const bad = await ren.client.postForm('/organisations/apply', {
      lgCode: kesennuma,
      kind: 'npo',
      name: '',
      website: 'ftp://example.jp',
    });
    assert.equal(bad.status, 400);
    const errors = await bad.text();
    assert.match(errors, /団体名を入力してください/);
    assert.match(errors, /http:\/\/ か https:\/\/ で始まるURLを入力してください/);
    const ok = await ren.client.postForm('/organisations/apply', {
      lgCode: kesennuma,
      kind: 'npo',
      name: 'NPO法人 唐桑つなぐ会',
      area: '唐桑半島',
    });
    assert.equal(ok.status, 201);
    assert.match(await ok.text(), /NPO法人 唐桑つなぐ会/);
    const pending = (await (
      await clerk.client.get(`/api/v1/tenants/${kesennuma}/organisations?status=pending`)
    ).json()) as {
      items: Array<{ name: string }>;
    };
    assert.deepEqual(
      pending.items.map((item) => item.name),
      ['NPO法人 唐桑つなぐ会'],
    );
  });
});
