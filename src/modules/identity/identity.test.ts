import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { codeIn, linkIn, signedInClient, startTestRuntime, type TestRuntime } from '../../../test/support/runtime.js';
import { safeNextPath } from './identity.pages.js';

/** Hidden input value from a page, as a browser would submit it. */
function hiddenValue(html: string, name: string): string {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!match?.[1]) throw new Error(`no hidden ${name} in page`);
  return match[1];
}

describe('e-mail sign-in', () => {
  let runtime: TestRuntime;

  before(async () => {
    runtime = await startTestRuntime();
  });

  after(async () => {
    await runtime.close();
  });

  const auditActions = async (subjectLike: string) =>
    (
      await runtime.database.db
        .selectFrom('person_audit_events')
        .select(['action', 'subject', 'data'])
        .where('subject', 'like', subjectLike)
        .orderBy('occurred_at')
        .orderBy('id')
        .execute()
    ).map((row) => row.action);

  it('signs up a new address through the mailed link, and the link works once', async () => {
    const browser = runtime.client();
    await browser.get('/signup');
    const sent = await browser.postForm('/signin/email', { email: 'Sakura.Tanaka@Example.JP' });
    assert.equal(sent.status, 200);
    assert.match(await sent.text(), /メールを確認してください/);

    const mail = await runtime.mail.waitForMail('sakura.tanaka@example.jp');
    assert.match(mail.subject, /ログイン/);
    const link = linkIn(mail.text);
    assert.match(link, /^\/signin\/email\/verify\?token=/);

    // Opening the link (as a mail scanner would) does not sign in; the button does.
    const confirm = await browser.get(link);
    assert.equal(confirm.status, 200);
    assert.equal(browser.cookies.has('sid'), false);
    const token = hiddenValue(await confirm.text(), 'token');
    const signedIn = await browser.postForm('/signin/email/verify', { token });
    assert.equal(signedIn.status, 303);
    assert.equal(signedIn.headers.get('location'), '/account?welcome=1');
    assert.ok(browser.cookies.has('sid'));

    const account = await (await browser.get('/account?welcome=1')).text();
    assert.match(account, /登録が完了しました/);
    assert.match(account, /sakura\.tanaka@example\.jp/);

    const again = runtime.client();
    await again.get('/');
    const replay = await again.postForm('/signin/email/verify', { token });
    assert.equal(replay.status, 400);
    assert.match(await replay.text(), /このリンクは使えません/);
    assert.equal(again.cookies.has('sid'), false);

    const person = await runtime.database.db
      .selectFrom('persons')
      .select('id')
      .where('email', '=', 'sakura.tanaka@example.jp')
      .executeTakeFirstOrThrow();
    assert.deepEqual(await auditActions(`person:${person.id}`), ['person.signed_up']);
    const failures = await runtime.database.db
      .selectFrom('person_audit_events')
      .select(['subject', 'data'])
      .where('action', '=', 'person.sign_in_failed')
      .execute();
    assert.equal(failures.length, 1);
    assert.doesNotMatch(JSON.stringify(failures), /sakura|example/i, 'the failure is recorded without the address');
  });

  it('returns to where the person was going after signing in by the link', async () => {
    const browser = runtime.client();
    await browser.get('/signin?next=%2Fmunicipalities%2F042056');
    const mailsBefore = runtime.mail.lastSequence();
    await browser.postForm('/signin/email', { email: 'returning@example.jp', next: '/municipalities/042056' });
    const mail = await runtime.mail.waitForMail('returning@example.jp', (message) => message.sequence > mailsBefore);
    const token = new URL(linkIn(mail.text), 'http://x').searchParams.get('token') ?? '';
    const signedIn = await browser.postForm('/signin/email/verify', { token });
    assert.equal(signedIn.status, 303);
    assert.equal(signedIn.headers.get('location'), '/municipalities/042056');
  });

  it('shows the too-many-attempts page with status 429', async () => {
    const browser = runtime.client();
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 6; attempt += 1) {
      statuses.push((await browser.postForm('/signin/email', { email: 'hasty@example.jp' })).status);
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);
    const page = await browser.postForm('/signin/email', { email: 'hasty@example.jp' });
    assert.match(await page.text(), /操作が多すぎます/);
  });

  it('signs in an existing person with the typed code and keeps one account', async () => {
    const first = await signedInClient(runtime, 'ken@example.jp');
    const second = await signedInClient(runtime, 'KEN@example.jp');
    assert.equal(second.personId, first.personId);
    assert.deepEqual(await auditActions(`person:${first.personId}`), ['person.signed_up', 'person.signed_in']);
  });

  it('voids a code after five wrong tries, telling how many are left', async () => {
    const browser = runtime.client();
    await browser.get('/signin');
    const mailsBefore = runtime.mail.lastSequence();
    const page = await (await browser.postForm('/signin/email', { email: 'guess@example.jp' })).text();
    const challengeId = hiddenValue(page, 'challengeId');
    const mail = await runtime.mail.waitForMail('guess@example.jp', (message) => message.sequence > mailsBefore);
    const rightCode = codeIn(mail.text);
    const wrongCode = rightCode === '000000' ? '111111' : '000000';
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      const response = await browser.postForm('/signin/email/code', { challengeId, code: wrongCode });
      assert.equal(response.status, 400);
      const html = await response.text();
      if (attempt < 5) assert.match(html, new RegExp(`あと${5 - attempt}回`));
      else assert.match(html, /このコードは使えなくなりました/);
    }
    const late = await browser.postForm('/signin/email/code', { challengeId, code: rightCode });
    assert.equal(late.status, 400, 'the right code no longer works');
    assert.equal(browser.cookies.has('sid'), false);
  });

  it('refuses an expired link and stores no session', async () => {
    const browser = runtime.client();
    const mailsBefore = runtime.mail.lastSequence();
    await browser.sendJson('/api/v1/auth/email/start', { email: 'late@example.jp' });
    const mail = await runtime.mail.waitForMail('late@example.jp', (message) => message.sequence > mailsBefore);
    await runtime.database.db
      .updateTable('email_challenges')
      .set({ expires_at: sql<Date>`now() - interval '1 second'` })
      .where('email', '=', 'late@example.jp')
      .execute();
    const token = new URL(linkIn(mail.text), 'http://x').searchParams.get('token') ?? '';
    const response = await browser.sendJson('/api/v1/auth/email/verify', { token });
    assert.equal(response.status, 400);
    const problem = (await response.json()) as {
      errors: Array<{ field: string }>;
      localized: { ja: { detail: string } };
    };
    assert.deepEqual(
      problem.errors.map((error) => error.field),
      ['token'],
    );
    assert.match(problem.localized.ja.detail, /有効期限/);
    const persons = await runtime.database.db
      .selectFrom('persons')
      .select('id')
      .where('email', '=', 'late@example.jp')
      .execute();
    assert.equal(persons.length, 0, 'no account was created');
  });

  it('answers the same for known and unknown addresses and limits mails per address', async () => {
    const browser = runtime.client();
    const known = await browser.sendJson('/api/v1/auth/email/start', { email: 'ken@example.jp' });
    const unknown = await browser.sendJson('/api/v1/auth/email/start', { email: 'nobody@example.jp' });
    assert.equal(known.status, 202);
    assert.equal(unknown.status, 202);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 5; attempt += 1) {
      statuses.push((await browser.sendJson('/api/v1/auth/email/start', { email: 'nobody@example.jp' })).status);
    }
    assert.deepEqual(statuses, [202, 202, 202, 202, 429]);
    const limited = await browser.sendJson('/api/v1/auth/email/start', { email: 'nobody@example.jp' });
    assert.equal(((await limited.json()) as { code: string }).code, 'rate_limited');
  });

  it('writes the mail in English for an English page', async () => {
    const browser = runtime.client();
    await browser.get('/signin?lang=en');
    const mailsBefore = runtime.mail.lastSequence();
    await browser.postForm('/signin/email', { email: 'emma@example.com' });
    const mail = await runtime.mail.waitForMail('emma@example.com', (message) => message.sequence > mailsBefore);
    assert.match(mail.subject, /sign-in link/);
  });

  it('refuses a malformed address with a readable message, and a form without the CSRF token', async () => {
    const browser = runtime.client();
    const bad = await browser.postForm('/signin/email', { email: 'not-an-address' });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /メールアドレスの形式が正しくありません/);
    const forged = await browser.postForm('/signin/email', { email: 'a@example.jp', _csrf: 'forged'.padEnd(43, 'x') });
    assert.equal(forged.status, 403);
    const noHeader = await browser.request('/api/v1/auth/email/start', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: 'http://localhost:3000' },
      body: JSON.stringify({ email: 'a@example.jp' }),
    });
    assert.equal(noHeader.status, 403);
  });

  it('lists sessions, signs out another device, and signs out here', async () => {
    const phone = await signedInClient(runtime, 'multi@example.jp');
    const laptop = await signedInClient(runtime, 'multi@example.jp');
    const list = (await (await laptop.client.get('/api/v1/me/sessions')).json()) as {
      items: Array<{ id: string; current: boolean }>;
    };
    assert.equal(list.items.length, 2);
    const phoneSession = list.items.find((item) => !item.current);
    assert.ok(phoneSession);

    const revoked = await laptop.client.postForm(`/account/sessions/${phoneSession.id}/revoke`);
    assert.equal(revoked.status, 303);
    assert.equal((await phone.client.get('/api/v1/me')).status, 401, 'the phone is signed out');
    assert.equal((await laptop.client.get('/api/v1/me')).status, 200);

    const stranger = await signedInClient(runtime, 'stranger@example.jp');
    const ownList = (await (await laptop.client.get('/api/v1/me/sessions')).json()) as { items: Array<{ id: string }> };
    const foreign = await stranger.client.sendJson(`/api/v1/me/sessions/${ownList.items[0]!.id}`, undefined, 'DELETE');
    assert.equal(foreign.status, 404, 'another person’s session is not found');
    assert.equal((await laptop.client.get('/api/v1/me')).status, 200);

    const signedOut = await laptop.client.postForm('/signout');
    assert.equal(signedOut.status, 303);
    assert.equal((await laptop.client.get('/api/v1/me')).status, 401);
    assert.deepEqual(await auditActions(`person:${laptop.personId}`), [
      'person.signed_up',
      'person.signed_in',
      'person.session_revoked',
      'person.signed_out',
    ]);
  });

  it('sends a signed-out visitor of the account page to sign-in and back', async () => {
    const visitor = runtime.client();
    const response = await visitor.get('/account');
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/signin?next=%2Faccount');
    const api = await visitor.get('/api/v1/me');
    assert.equal(api.status, 401);
    assert.equal(((await api.json()) as { code: string }).code, 'unauthenticated');
  });

  it('updates the display name, refusing one that is too long', async () => {
    const { client } = await signedInClient(runtime, 'name@example.jp');
    assert.equal((await client.postForm('/account/profile', { displayName: 'はなこ', locale: 'en' })).status, 303);
    const me = (await (await client.get('/api/v1/me')).json()) as { displayName: string; locale: string };
    assert.deepEqual([me.displayName, me.locale], ['はなこ', 'en']);
    const tooLong = await client.sendJson('/api/v1/me', { displayName: 'あ'.repeat(51), locale: 'ja' }, 'PATCH');
    assert.equal(tooLong.status, 400);
  });

  it('only follows next= paths on this site', () => {
    const cases: Array<[unknown, string | undefined]> = [
      ['/account', '/account'],
      ['/municipalities?q=a', '/municipalities?q=a'],
      ['//evil.example', undefined],
      ['/\\evil.example', undefined],
      ['https://evil.example', undefined],
      ['javascript:alert(1)', undefined],
      [undefined, undefined],
    ];
    for (const [input, expected] of cases) assert.equal(safeNextPath(input), expected, String(input));
  });
});
