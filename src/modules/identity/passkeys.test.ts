import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { signedInClient, startTestRuntime, type TestRuntime } from '../../../test/support/runtime.js';
import type { TestClient } from '../../../test/support/client.js';
import { SoftwareAuthenticator, type AssertionOverrides } from '../../../test/support/webauthn.js';

const origin = 'http://localhost:3000';

interface Problem {
  code: string;
  status: number;
  localized: { ja: { detail: string }; en: { detail: string } };
}

async function json<T>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

async function registrationOptions(client: TestClient): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const response = await client.sendJson('/api/v1/passkeys/registration/options', {});
  assert.equal(response.status, 200, await response.clone().text());
  return json(response);
}

async function addPasskey(client: TestClient, authenticator: SoftwareAuthenticator, label?: string) {
  const credential = authenticator.register(await registrationOptions(client));
  return client.sendJson('/api/v1/passkeys/registration/verify', { credential, ...(label ? { label } : {}) });
}

async function signInOptions(client: TestClient): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const response = await client.sendJson('/api/v1/passkeys/authentication/options', {});
  assert.equal(response.status, 200, await response.clone().text());
  return json(response);
}

async function signIn(client: TestClient, credential: AuthenticationResponseJSON) {
  return client.sendJson('/api/v1/passkeys/authentication/verify', { credential });
}

/** A browser that has never signed in, answering the sign-in ceremony with this authenticator. */
async function signInFresh(runtime: TestRuntime, authenticator: SoftwareAuthenticator, overrides?: AssertionOverrides) {
  const client = runtime.client();
  const response = await signIn(client, authenticator.authenticate(await signInOptions(client), overrides));
  return { client, response };
}

describe('passkeys', () => {
  let runtime: TestRuntime;

  before(async () => {
    runtime = await startTestRuntime();
  });

  after(async () => {
    await runtime.close();
  });

  const events = async (subject: string, action?: string) => {
    let query = runtime.database.db
      .selectFrom('person_audit_events')
      .select(['action', 'data', 'subject'])
      .where('subject', '=', subject)
      .orderBy('occurred_at')
      .orderBy('id');
    if (action) query = query.where('action', '=', action);
    return query.execute();
  };
  const failures = async (personId: string) =>
    (await events(`person:${personId}`, 'person.sign_in_failed')).map((event) => event.data);
  const sessionCount = async (personId: string) =>
    Number(
      (
        await runtime.database.db
          .selectFrom('sessions')
          .select((eb) => eb.fn.countAll<string>().as('count'))
          .where('person_id', '=', personId)
          .executeTakeFirstOrThrow()
      ).count,
    );

  it('adds a discoverable passkey and signs in with it without an e-mail address', async () => {
    const { client, personId } = await signedInClient(runtime, 'passkey.owner@example.jp');
    const authenticator = new SoftwareAuthenticator(origin);

    const options = await registrationOptions(client);
    assert.equal(options.rp.id, 'localhost', 'the RP ID is the host of PUBLIC_URL');
    assert.equal(options.user.name, 'passkey.owner@example.jp');
    assert.equal(options.authenticatorSelection?.residentKey, 'required');
    assert.equal(options.authenticatorSelection?.userVerification, 'preferred');
    assert.deepEqual(options.excludeCredentials, []);
    assert.match(client.cookies.get('webauthn') ?? '', /^[0-9a-f-]{36}$/, 'the challenge id is in a cookie');
    const credential = authenticator.register(options);
    const added = await client.sendJson('/api/v1/passkeys/registration/verify', { credential, label: ' iPhone ' });
    assert.equal(added.status, 201, await added.clone().text());
    assert.equal(client.cookies.has('webauthn'), false, 'the challenge cookie is spent');
    const passkey = await json<{ id: string; label: string; deviceType: string; lastUsedAt: string | null }>(added);
    assert.deepEqual([passkey.id, passkey.label, passkey.lastUsedAt], [authenticator.credentialId, 'iPhone', null]);

    const again = await registrationOptions(client);
    assert.deepEqual(
      again.excludeCredentials?.map((excluded) => excluded.id),
      [authenticator.credentialId],
      'the same authenticator is not offered for a second registration',
    );

    // A browser with no session and no e-mail address: the authenticator names the account.
    const stranger = runtime.client();
    const signInOptionsSent = await signInOptions(stranger);
    assert.equal(signInOptionsSent.rpId, 'localhost');
    assert.equal(signInOptionsSent.allowCredentials, undefined, 'no allow list: any discoverable passkey');
    const signedIn = await signIn(stranger, authenticator.authenticate(signInOptionsSent));
    assert.equal(signedIn.status, 200, await signedIn.clone().text());
    assert.deepEqual(await json(signedIn), { personId, secondFactor: true });
    const me = await json<{ id: string; authenticatedBy: string }>(await stranger.get('/api/v1/me'));
    assert.deepEqual([me.id, me.authenticatedBy], [personId, 'passkey']);

    const session = await runtime.database.db
      .selectFrom('sessions')
      .select(['authenticated_by', 'second_factor_at'])
      .where('person_id', '=', personId)
      .where('authenticated_by', '=', 'passkey')
      .executeTakeFirstOrThrow();
    assert.ok(session.second_factor_at, 'a user-verified passkey counts as a second factor');
    const stored = await runtime.database.db
      .selectFrom('passkeys')
      .select(['counter', 'last_used_at', 'transports'])
      .where('id', '=', authenticator.credentialId)
      .executeTakeFirstOrThrow();
    assert.equal(stored.counter, String(authenticator.counter));
    assert.ok(stored.last_used_at);
    assert.deepEqual(stored.transports, ['internal']);

    const trail = await events(`person:${personId}`);
    assert.deepEqual(
      trail.map((event) => event.action),
      ['person.signed_up', 'person.passkey_added', 'person.signed_in'],
    );
    assert.equal(trail[2]?.data.method, 'passkey');
  });

  it('signs in without the second factor when the authenticator did not verify the person', async () => {
    const { client, personId } = await signedInClient(runtime, 'presence.only@example.jp');
    const authenticator = new SoftwareAuthenticator(origin, { userVerified: false });
    assert.equal((await addPasskey(client, authenticator)).status, 201);
    const { response } = await signInFresh(runtime, authenticator);
    assert.equal(response.status, 200);
    assert.deepEqual(await json(response), { personId, secondFactor: false });
    const session = await runtime.database.db
      .selectFrom('sessions')
      .select('second_factor_at')
      .where('person_id', '=', personId)
      .where('authenticated_by', '=', 'passkey')
      .executeTakeFirstOrThrow();
    assert.equal(session.second_factor_at, null, 'user presence alone is one factor');
  });

  it('refuses a signature counter that goes backwards, but accepts passkeys that do not count', async () => {
    const { client, personId } = await signedInClient(runtime, 'counter@example.jp');
    const counting = new SoftwareAuthenticator(origin, { counterStep: 1 });
    assert.equal((await addPasskey(client, counting, 'YubiKey')).status, 201);
    assert.equal((await signInFresh(runtime, counting)).response.status, 200);
    assert.equal((await signInFresh(runtime, counting)).response.status, 200);
    const sessionsBefore = await sessionCount(personId);

    for (const counter of [counting.counter - 1, counting.counter]) {
      const { client: cloned, response } = await signInFresh(runtime, counting, { counter });
      assert.equal(response.status, 400, `counter ${counter} after ${counting.counter}`);
      assert.equal((await json<Problem>(response)).code, 'passkey_rejected');
      assert.equal(cloned.cookies.has('sid'), false);
    }
    assert.equal(await sessionCount(personId), sessionsBefore, 'no session for a cloned authenticator');
    assert.deepEqual(await failures(personId), [
      { method: 'passkey', reason: 'counter_regression' },
      { method: 'passkey', reason: 'counter_regression' },
    ]);
    const stored = await runtime.database.db
      .selectFrom('passkeys')
      .select('counter')
      .where('id', '=', counting.credentialId)
      .executeTakeFirstOrThrow();
    assert.equal(stored.counter, String(counting.counter), 'the stored counter did not move back');

    const synced = new SoftwareAuthenticator(origin, { counterStep: 0 });
    assert.equal((await addPasskey(client, synced, 'iCloud')).status, 201);
    for (let use = 0; use < 3; use += 1) {
      assert.equal((await signInFresh(runtime, synced)).response.status, 200, 'counter 0 means "not counting"');
    }
  });

  it('refuses a response made for another origin (a phishing site) and says nothing about the account', async () => {
    const { client, personId } = await signedInClient(runtime, 'origin@example.jp');
    const authenticator = new SoftwareAuthenticator(origin);

    const foreignRegistration = authenticator.register(await registrationOptions(client), {
      origin: 'https://furusato.example.net',
    });
    const refused = await client.sendJson('/api/v1/passkeys/registration/verify', { credential: foreignRegistration });
    assert.equal(refused.status, 400);
    assert.equal((await json<Problem>(refused)).code, 'passkey_rejected');
    assert.equal((await json<{ items: unknown[] }>(await client.get('/api/v1/passkeys'))).items.length, 0);

    assert.equal((await addPasskey(client, authenticator)).status, 201);
    const { client: phished, response } = await signInFresh(runtime, authenticator, {
      origin: 'https://furusato-login.example.com',
    });
    assert.equal(response.status, 400);
    const problem = await json<Problem>(response);
    assert.equal(problem.code, 'passkey_rejected');
    assert.match(problem.localized.ja.detail, /パスキーを確認できませんでした/);
    assert.equal(phished.cookies.has('sid'), false);
    const failed = await failures(personId);
    assert.deepEqual(failed, [{ method: 'passkey', reason: 'wrong_origin' }]);
    assert.doesNotMatch(JSON.stringify(failed), /origin@example|example\.com/, 'no personal data in the trail');
  });

  it('uses each challenge once, only from the browser that asked for it, and only for five minutes', async () => {
    const { client, personId } = await signedInClient(runtime, 'replay@example.jp');
    const authenticator = new SoftwareAuthenticator(origin);
    assert.equal((await addPasskey(client, authenticator)).status, 201);

    // Replay: the same response again, from the same browser. Its cookie was spent by the first use.
    const browser = runtime.client();
    const response = authenticator.authenticate(await signInOptions(browser));
    const challengeCookie = browser.cookies.get('webauthn') ?? '';
    assert.equal((await signIn(browser, response)).status, 200);
    const replay = await signIn(browser, response);
    assert.equal(replay.status, 400);
    assert.equal((await json<Problem>(replay)).code, 'passkey_challenge_invalid');
    // Even with the spent cookie kept and sent again: the challenge row itself is used up.
    browser.cookies.set('webauthn', challengeCookie);
    const withKeptCookie = await signIn(browser, response);
    assert.equal((await json<Problem>(withKeptCookie)).code, 'passkey_challenge_invalid');

    // Replay with a fresh challenge cookie: the old response signs the old challenge.
    const attacker = runtime.client();
    await signInOptions(attacker);
    const replayed = await signIn(attacker, response);
    assert.equal(replayed.status, 400);
    assert.equal((await json<Problem>(replayed)).code, 'passkey_rejected');

    // The client cannot choose the challenge: a response signing one it made up is refused.
    const chooser = runtime.client();
    await signInOptions(chooser);
    const chosen = authenticator.authenticate(await signInOptions(runtime.client()), {
      challenge: Buffer.from('chosen by the client').toString('base64url'),
    });
    assert.equal((await signIn(chooser, chosen)).status, 400);

    // A response answered in one browser cannot be completed in another (no cookie there).
    const asking = runtime.client();
    const elsewhere = runtime.client();
    await elsewhere.get('/');
    const forAsking = authenticator.authenticate(await signInOptions(asking));
    const stolen = await signIn(elsewhere, forAsking);
    assert.equal((await json<Problem>(stolen)).code, 'passkey_challenge_invalid');

    // Five minutes later the challenge is void.
    const slow = runtime.client();
    const late = authenticator.authenticate(await signInOptions(slow));
    await runtime.database.db
      .updateTable('webauthn_challenges')
      .set({ expires_at: sql<Date>`now() - interval '1 second'` })
      .where('id', '=', slow.cookies.get('webauthn') ?? '')
      .execute();
    const expired = await signIn(slow, late);
    assert.equal((await json<Problem>(expired)).code, 'passkey_challenge_invalid');
    assert.equal(slow.cookies.has('sid'), false);

    assert.deepEqual(
      (await failures(personId)).map((data) => data.reason),
      [
        'challenge_unusable',
        'challenge_unusable',
        'wrong_challenge',
        'wrong_challenge',
        'challenge_unusable',
        'challenge_unusable',
      ],
    );
  });

  it('refuses a passkey nobody registered, auditing it under a pseudonym', async () => {
    const unknown = new SoftwareAuthenticator(origin);
    // Registered nowhere: the software authenticator only needs an RP ID and a user handle to answer.
    const { client } = await signedInClient(runtime, 'nobody.registered@example.jp');
    unknown.register(await registrationOptions(client));
    const { response } = await signInFresh(runtime, unknown);
    assert.equal(response.status, 400);
    assert.equal((await json<Problem>(response)).code, 'passkey_rejected');
    const rows = await runtime.database.db
      .selectFrom('person_audit_events')
      .select(['subject', 'data'])
      .where('action', '=', 'person.sign_in_failed')
      .where('subject', 'like', 'passkey:%')
      .execute();
    assert.equal(rows.length, 1);
    assert.deepEqual(rows[0]?.data, { method: 'passkey', reason: 'unknown_credential' });
    assert.ok(!rows[0]?.subject.includes(unknown.credentialId), 'the credential id itself is not stored');
  });

  it('limits sign-in attempts per passkey', async () => {
    const { client } = await signedInClient(runtime, 'limited@example.jp');
    const authenticator = new SoftwareAuthenticator(origin);
    assert.equal((await addPasskey(client, authenticator)).status, 201);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 11; attempt += 1) {
      statuses.push((await signInFresh(runtime, authenticator, { origin: 'https://evil.example' })).response.status);
    }
    assert.deepEqual(statuses, [...Array<number>(10).fill(400), 429]);
    const { response } = await signInFresh(runtime, authenticator);
    assert.equal(response.status, 429, 'even the right passkey waits for the window to end');
    assert.equal((await json<Problem>(response)).code, 'rate_limited');
  });

  it('lists, renames and removes only the own passkeys; another person gets 404', async () => {
    const owner = await signedInClient(runtime, 'keys.owner@example.jp');
    const other = await signedInClient(runtime, 'keys.other@example.jp');
    const authenticator = new SoftwareAuthenticator(origin);
    assert.equal((await addPasskey(owner.client, authenticator, 'Pixel')).status, 201);
    const path = `/api/v1/passkeys/${authenticator.credentialId}`;

    assert.equal((await other.client.sendJson(path, undefined, 'DELETE')).status, 404);
    assert.equal((await other.client.sendJson(path, { label: 'mine now' }, 'PATCH')).status, 404);
    assert.equal(
      (await other.client.postForm(`/account/passkeys/${authenticator.credentialId}/delete`)).status,
      404,
      'the page form answers the same',
    );
    assert.deepEqual((await json<{ items: unknown[] }>(await other.client.get('/api/v1/passkeys'))).items, []);
    assert.deepEqual(await events(`person:${other.personId}`, 'person.passkey_removed'), []);
    const list = await json<{ items: Array<{ id: string; label: string }> }>(
      await owner.client.get('/api/v1/passkeys'),
    );
    assert.deepEqual(
      list.items.map((item) => [item.id, item.label]),
      [[authenticator.credentialId, 'Pixel']],
      'untouched by the other person',
    );

    assert.equal((await owner.client.sendJson(path, { label: '   ' }, 'PATCH')).status, 400);
    assert.equal((await owner.client.sendJson(path, { label: 'あ'.repeat(51) }, 'PATCH')).status, 400);
    assert.equal((await owner.client.sendJson(path, { label: '仕事用のPixel' }, 'PATCH')).status, 204);
    const account = await (await owner.client.get('/account')).text();
    assert.match(account, /仕事用のPixel/);
    assert.match(account, /id="passkeys-heading"/);

    const renamed = await owner.client.postForm(`/account/passkeys/${authenticator.credentialId}/rename`, {
      label: '家のPixel',
    });
    assert.equal(renamed.status, 303);
    assert.match(await (await owner.client.get(renamed.headers.get('location') ?? '')).text(), /名前を変更しました/);

    const removed = await owner.client.postForm(`/account/passkeys/${authenticator.credentialId}/delete`);
    assert.equal(removed.status, 303);
    assert.equal(removed.headers.get('location'), '/account?notice=passkey-removed#passkeys');
    assert.deepEqual((await json<{ items: unknown[] }>(await owner.client.get('/api/v1/passkeys'))).items, []);
    assert.equal((await signInFresh(runtime, authenticator)).response.status, 400, 'a removed passkey cannot sign in');

    assert.deepEqual(
      (await events(`person:${owner.personId}`))
        .map((event) => event.action)
        .filter((action) => action.startsWith('person.passkey')),
      ['person.passkey_added', 'person.passkey_renamed', 'person.passkey_renamed', 'person.passkey_removed'],
    );
  });

  it('refuses every passkey call that lacks the CSRF token, changing nothing', async () => {
    const { client, personId } = await signedInClient(runtime, 'csrf@example.jp');
    const authenticator = new SoftwareAuthenticator(origin);
    assert.equal((await addPasskey(client, authenticator)).status, 201);
    const withoutToken = (path: string, method = 'POST', body: unknown = {}) =>
      client.request(path, {
        method,
        headers: { 'Content-Type': 'application/json', Origin: origin },
        body: JSON.stringify(body),
      });

    for (const [path, method] of [
      ['/api/v1/passkeys/registration/options', 'POST'],
      ['/api/v1/passkeys/authentication/options', 'POST'],
      ['/api/v1/passkeys/second-factor/options', 'POST'],
      [`/api/v1/passkeys/${authenticator.credentialId}`, 'DELETE'],
    ] as const) {
      const response = await withoutToken(path, method);
      assert.equal(response.status, 403, `${method} ${path}`);
      assert.equal((await json<Problem>(response)).code, 'csrf_rejected');
    }
    const renamed = await withoutToken(`/api/v1/passkeys/${authenticator.credentialId}`, 'PATCH', { label: 'x' });
    assert.equal(renamed.status, 403);
    const verify = await withoutToken('/api/v1/passkeys/authentication/verify', 'POST', {
      credential: authenticator.authenticate(await signInOptions(client)),
    });
    assert.equal(verify.status, 403);

    const left = await json<{ items: Array<{ label: string }> }>(await client.get('/api/v1/passkeys'));
    assert.equal(left.items.length, 1, 'still there');
    assert.notEqual(left.items[0]?.label, 'x');
    assert.deepEqual(
      (await events(`person:${personId}`)).map((event) => event.action),
      ['person.signed_up', 'person.passkey_added'],
    );
  });

  it('proves a second factor in an e-mail session with the own passkey only', async () => {
    const { client, personId } = await signedInClient(runtime, 'staff.like@example.jp');
    const secondFactorAt = async () =>
      (
        await runtime.database.db
          .selectFrom('sessions')
          .select('second_factor_at')
          .where('person_id', '=', personId)
          .executeTakeFirstOrThrow()
      ).second_factor_at;

    const none = await client.sendJson('/api/v1/passkeys/second-factor/options', {});
    assert.equal(none.status, 404, 'no passkey yet');
    assert.match((await json<Problem>(none)).localized.ja.detail, /パスキーが登録されていません/);

    const own = new SoftwareAuthenticator(origin);
    assert.equal((await addPasskey(client, own)).status, 201);
    const outsider = await signedInClient(runtime, 'outsider@example.jp');
    const foreign = new SoftwareAuthenticator(origin);
    assert.equal((await addPasskey(outsider.client, foreign)).status, 201);
    assert.equal(await secondFactorAt(), null);

    const options = await json<PublicKeyCredentialRequestOptionsJSON>(
      await client.sendJson('/api/v1/passkeys/second-factor/options', {}),
    );
    assert.deepEqual(
      options.allowCredentials?.map((allowed) => allowed.id),
      [own.credentialId],
    );
    const refused = await client.sendJson('/api/v1/passkeys/second-factor/verify', {
      credential: foreign.authenticate(options),
    });
    assert.equal(refused.status, 400, 'another person’s passkey is no second factor here');
    assert.equal(await secondFactorAt(), null);

    // A sign-in challenge (bound to nobody) does not serve as a second-factor challenge.
    const signInChallenge = await signInOptions(client);
    const crossed = await client.sendJson('/api/v1/passkeys/second-factor/verify', {
      credential: own.authenticate(signInChallenge),
    });
    assert.equal((await json<Problem>(crossed)).code, 'passkey_challenge_invalid');

    const fresh = await json<PublicKeyCredentialRequestOptionsJSON>(
      await client.sendJson('/api/v1/passkeys/second-factor/options', {}),
    );
    const verified = await client.sendJson('/api/v1/passkeys/second-factor/verify', {
      credential: own.authenticate(fresh),
    });
    assert.equal(verified.status, 200, await verified.clone().text());
    assert.ok(await secondFactorAt(), 'the session is marked');
    assert.deepEqual(
      (await events(`person:${personId}`))
        .map((event) => event.action)
        .filter((action) => action.startsWith('person.second_factor')),
      ['person.second_factor_failed', 'person.second_factor_failed', 'person.second_factor_verified'],
    );
    assert.equal((await runtime.client().sendJson('/api/v1/passkeys/second-factor/options', {})).status, 401);
  });

  it('deletes the passkeys with the account, and exports them with the personal data', async () => {
    const { client } = await signedInClient(runtime, 'leaving@example.jp');
    const authenticator = new SoftwareAuthenticator(origin);
    assert.equal((await addPasskey(client, authenticator, 'iPad')).status, 201);
    const exported = await json<{ passkeys: Array<{ id: string; label: string }> }>(
      await client.get('/api/v1/me/export'),
    );
    assert.deepEqual(
      exported.passkeys.map((passkey) => [passkey.id, passkey.label]),
      [[authenticator.credentialId, 'iPad']],
    );
    assert.equal((await client.sendJson('/api/v1/me', { confirmation: 'delete' }, 'DELETE')).status, 204);
    const left = await runtime.database.db
      .selectFrom('passkeys')
      .select('id')
      .where('id', '=', authenticator.credentialId)
      .execute();
    assert.deepEqual(left, []);
    assert.equal((await signInFresh(runtime, authenticator)).response.status, 400);
  });

  it('offers the passkey button only to scripts, and serves the island bundled from the same origin', async () => {
    const visitor = runtime.client();
    const page = await visitor.get('/signin?next=%2Fmunicipalities');
    const html = await page.text();
    assert.match(html, /<div id="passkey-sign-in"[^>]*data-passkey="sign-in"/);
    assert.match(html, /<div id="passkey-sign-in"[^>]*data-next="\/municipalities"/);
    assert.match(html, /<div id="passkey-sign-in"[^>]*\shidden[\s>=]/, 'hidden until the island shows it');
    assert.match(html, /<script src="\/assets\/passkey\.js" defer/);
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');

    const bundle = await visitor.get('/assets/passkey.js');
    assert.equal(bundle.status, 200);
    assert.match(bundle.headers.get('content-type') ?? '', /^text\/javascript/);
    const code = await bundle.text();
    assert.doesNotMatch(code, /^\s*import\s|\brequire\(/m, 'bundled: nothing left to load');
    assert.match(code, /\/api\/v1\/passkeys\/authentication/);
    assert.match(code, /X-CSRF-Token/);
    assert.ok(code.length < 30_000, `small: ${code.length} bytes`);
  });

  it('documents the passkey API in the OpenAPI document', async () => {
    const document = await json<{ paths: Record<string, Record<string, { tags: string[] }>> }>(
      await runtime.client().get('/api/openapi.json'),
    );
    for (const [path, method] of [
      ['/api/v1/passkeys', 'get'],
      ['/api/v1/passkeys/{passkeyId}', 'delete'],
      ['/api/v1/passkeys/registration/options', 'post'],
      ['/api/v1/passkeys/authentication/verify', 'post'],
      ['/api/v1/passkeys/second-factor/verify', 'post'],
    ] as const) {
      assert.deepEqual(document.paths[path]?.[method]?.tags, ['identity'], `${method} ${path}`);
    }
  });
});
