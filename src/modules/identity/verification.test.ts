import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { startDevOidcProvider, type DevOidcProvider } from '../../dev/oidc-provider.js';
import { ConfigError, loadConfig } from '../../platform/config.js';
import {
  pickDevPerson,
  startFakeOidcProvider,
  type FakeOidcProvider,
  type IdTokenTamper,
} from '../../../test/support/oidc.js';
import { linkIn, signedInClient, startTestRuntime, type TestRuntime } from '../../../test/support/runtime.js';
import type { TestClient } from '../../../test/support/client.js';
import { hasGuardianConsent } from './guardian.service.js';
import { addressMaster, residenceFromAddress } from './residence.js';
import { adultAge, ageOn, getCurrentVerification } from './verification.service.js';

const callbackUri = 'http://localhost:3000/verification/callback';

/** Presses the verification button; returns where the app sends the browser (the provider). */
async function pressStart(client: TestClient, fields: Record<string, string> = {}): Promise<string> {
  const response = await client.postForm('/verification/start', fields);
  assert.equal(response.status, 303, await response.clone().text());
  const location = response.headers.get('location');
  assert.ok(location);
  return location;
}

/** The browser arriving back from the provider. */
function arrive(client: TestClient, callback: URL): Promise<Response> {
  return client.get(`${callback.pathname}${callback.search}`);
}

async function verifyWithDevProvider(client: TestClient, personKey: string, fields: Record<string, string> = {}) {
  const callback = await pickDevPerson(await pressStart(client, fields), personKey);
  return { callback, response: await arrive(client, callback) };
}

async function verificationsOf(runtime: TestRuntime, personId: string) {
  return runtime.database.db
    .selectFrom('identity_verifications')
    .selectAll()
    .where('person_id', '=', personId)
    .execute();
}

async function auditOf(runtime: TestRuntime, personId: string) {
  return runtime.database.db
    .selectFrom('person_audit_events')
    .select(['action', 'data'])
    .where('subject', '=', `person:${personId}`)
    .orderBy('occurred_at')
    .orderBy('id')
    .execute();
}

describe('address → municipality of residence', () => {
  const cases: Array<[string, string | null, string | null, string]> = [
    ['東京都千代田区霞が関一丁目1番1号', '13', '131016', 'special ward of Tokyo'],
    ['宮城県気仙沼市八日町二丁目1番1号', '04', '042056', 'city'],
    ['宮城県仙台市青葉区国分町三丁目7番1号', '04', '041009', 'designated-city ward → the city'],
    ['神奈川県横浜市中区港町1丁目1番地', '14', '141003', 'designated-city ward → the city'],
    ['大阪府大阪市北区中之島1丁目3番20号', '27', '271004', 'ward named like a Tokyo special ward'],
    ['宮城県仙台市', '04', '041009', 'designated city without a ward'],
    ['北海道河東郡上士幌町字上士幌東3線238番地', '01', '016331', 'county before the town'],
    ['北海道上士幌町字上士幌東3線238番地', '01', '016331', 'county left out'],
    ['山形県西村山郡河北町谷地所岡一丁目1番1号', '06', '063215', 'county name with 村 in it'],
    ['広島県安芸郡府中町大通三丁目5番1号', '34', '343021', 'county town, not the city 府中市'],
    ['広島県府中市府川町315番地', '34', '342084', 'city 府中市, not the town'],
    ['福島県郡山市朝日一丁目23番7号', '07', '072036', '郡 inside a city name'],
    ['奈良県大和郡山市北郡山町248番地4', '29', '292036', '郡 inside a city name'],
    ['三重県四日市市諏訪町1番5号', '24', '242021', '市 inside a city name'],
    ['埼玉県鶴ケ島市大字三ツ木16番地1', '11', '112411', 'ケ written for ヶ'],
    ['東京都　千代田区　霞が関１－１', '13', '131016', 'full-width spaces and digits'],
    ['東京都', '13', null, 'prefecture only'],
    ['東京都どこにもない市本町1-1', '13', null, 'unknown municipality'],
    ['千代田区霞が関一丁目1番1号', null, null, 'no prefecture'],
    ['アメリカ合衆国カリフォルニア州サンノゼ市', null, null, 'abroad'],
    ['', null, null, 'empty'],
    ['%%%<script>', null, null, 'garbage'],
  ];
  for (const [address, prefectureCode, lgCode, why] of cases) {
    it(`${address || '(empty)'} → ${lgCode ?? prefectureCode ?? 'nothing'} (${why})`, async () => {
      assert.deepEqual(residenceFromAddress(address, await addressMaster()), { prefectureCode, lgCode });
    });
  }
});

describe('age on a date', () => {
  it('adds a year on the birthday, and counts 29 February as passed on 1 March', () => {
    assert.equal(ageOn('2008-04-02', '2026-04-01'), 17);
    assert.equal(ageOn('2008-04-02', '2026-04-02'), 18);
    assert.equal(ageOn('2008-02-29', '2026-02-28'), 17);
    assert.equal(ageOn('2008-02-29', '2026-03-01'), 18);
    assert.equal(adultAge, 18);
  });
});

describe('OpenID Connect configuration', () => {
  const base = { NODE_ENV: 'production', APP_SECRET: 'x'.repeat(40), SMTP_URL: 'smtp://mail.example:25' };
  const issues = (env: Record<string, string>) => {
    try {
      loadConfig(env);
      return [];
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      return error.issues;
    }
  };

  it('requires issuer, client id and key in production, over https', async () => {
    assert.match(issues(base).join('\n'), /OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_PRIVATE_KEY: required in production/);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = JSON.stringify(privateKey.export({ format: 'jwk' }));
    const oidc = { OIDC_CLIENT_ID: 'RP00000001', OIDC_PRIVATE_KEY: jwk };
    assert.match(issues({ ...base, ...oidc, OIDC_ISSUER: 'http://auth.example' }).join('\n'), /https/);
    assert.deepEqual(issues({ ...base, ...oidc, OIDC_ISSUER: 'https://auth.example' }), []);
  });

  it('refuses a partial setting and a public key', () => {
    assert.match(issues({ OIDC_ISSUER: 'https://auth.example' }).join('\n'), /set all three or none/);
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const problems = issues({ OIDC_PRIVATE_KEY: JSON.stringify(publicKey.export({ format: 'jwk' })) });
    assert.match(problems.join('\n'), /OIDC_PRIVATE_KEY: must be a private key/);
  });

  it('reads a PEM key file and gives it its thumbprint as key id', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'furusato-oidc-'));
    try {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const path = join(folder, 'client.pem');
      await writeFile(path, privateKey.export({ format: 'pem', type: 'pkcs8' }));
      const config = loadConfig({ OIDC_ISSUER: 'https://auth.example', OIDC_CLIENT_ID: 'RP1', OIDC_PRIVATE_KEY: path });
      assert.equal(config.OIDC_PRIVATE_KEY?.kty, 'RSA');
      assert.equal(config.OIDC_PRIVATE_KEY?.alg, 'RS256');
      assert.match(config.OIDC_PRIVATE_KEY?.kid ?? '', /^[A-Za-z0-9_-]{43}$/);
      assert.match(issues({ OIDC_PRIVATE_KEY: join(folder, 'missing.pem') }).join('\n'), /cannot read the key file/);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});

describe('identity verification with the development provider', () => {
  let provider: DevOidcProvider;
  let runtime: TestRuntime;

  before(async () => {
    provider = await startDevOidcProvider({ redirectUris: [callbackUri] });
    runtime = await startTestRuntime(provider.configOverrides);
  });

  after(async () => {
    await runtime?.close();
    await provider?.close();
  });

  it('sends the person to the provider with PKCE S256, state, nonce and the scopes', async () => {
    const { client } = await signedInClient(runtime, 'start@example.jp');
    const url = new URL(await pressStart(client));
    assert.equal(url.origin, provider.issuer);
    const params = url.searchParams;
    assert.equal(params.get('response_type'), 'code');
    assert.equal(params.get('client_id'), provider.clientId);
    assert.equal(params.get('redirect_uri'), callbackUri);
    assert.equal(params.get('scope'), 'openid name address birthdate');
    assert.equal(params.get('code_challenge_method'), 'S256');
    assert.match(params.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.match(params.get('state') ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.match(params.get('nonce') ?? '', /^[A-Za-z0-9_-]{43}$/);
    // The verifier and the state never leave the server in the clear; the state is stored hashed.
    const stored = await runtime.database.db.selectFrom('oidc_authorization_requests').selectAll().execute();
    assert.ok(stored.every((row) => row.state_hash !== params.get('state')));

    const page = await client.get('/verification');
    assert.match(
      page.headers.get('content-security-policy') ?? '',
      new RegExp(`form-action 'self' ${provider.issuer}`),
    );
  });

  it('verifies an adult: stores name, birth date and the municipality, not the address', async () => {
    const { client, personId } = await signedInClient(runtime, 'taro@example.jp');
    const { response } = await verifyWithDevProvider(client, 'adult');
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/verification/result');

    const result = await client.get('/verification/result');
    assert.equal(result.status, 200);
    const html = await result.text();
    assert.match(html, /本人確認が完了しました/);
    assert.match(html, /山田 太郎/);
    assert.match(html, /東京都 千代田区/);
    assert.doesNotMatch(html, /霞が関/);

    const [row] = await verificationsOf(runtime, personId);
    assert.ok(row);
    assert.equal(row.verified_name, '山田 太郎');
    assert.equal(row.residence_lg_code, '131016');
    assert.equal(row.residence_prefecture_code, '13');
    assert.equal(row.minor, false);
    assert.equal(row.subject, 'dev-card-0001-yamada-taro');
    assert.equal(row.issuer, provider.issuer);
    assert.equal(row.expires_at.getTime() - row.verified_at.getTime(), 365 * 24 * 60 * 60 * 1000);
    assert.doesNotMatch(JSON.stringify(row), /霞が関/);

    const events = await auditOf(runtime, personId);
    const verified = events.find((event) => event.action === 'person.identity_verified');
    assert.ok(verified);
    assert.doesNotMatch(JSON.stringify(verified.data), /山田|千代田|霞が関|1985/);

    const api = await (await client.get('/api/v1/me/verification')).json();
    assert.equal(api.status, 'verified');
    assert.equal(api.verification.birthDate, '1985-04-01');
    assert.deepEqual(api.verification.residence, {
      prefectureCode: '13',
      prefectureName: '東京都',
      lgCode: '131016',
      municipalityName: '千代田区',
    });

    const account = await (await client.get('/account')).text();
    assert.match(account, /本人確認/);
    assert.match(account, /確認済み（\d{4}年\d{1,2}月\d{1,2}日まで有効）/);
    assert.match(account, /東京都 千代田区/);
  });

  it('flags a minor and points them to guardian consent', async () => {
    const { client, personId } = await signedInClient(runtime, 'minato@example.jp');
    const { response } = await verifyWithDevProvider(client, 'minor');
    assert.equal(response.status, 303);
    const html = await (await client.get('/verification/result')).text();
    assert.match(html, /18歳未満/);
    assert.match(html, /保護者の同意が必要です/);
    const [row] = await verificationsOf(runtime, personId);
    assert.equal(row?.minor, true);
    assert.equal(row?.residence_lg_code, '042056');
    const current = await getCurrentVerification({ db: runtime.database.db, personId });
    assert.equal(current?.minor, true);
    assert.equal(await hasGuardianConsent({ db: runtime.database.db, personId, scope: 'premium_registration' }), false);
  });

  it('maps a ward of a designated city to the city, and a county town', async () => {
    for (const [key, lgCode, shown] of [
      ['teen', '041009', '宮城県 仙台市'],
      ['hokkaido', '016331', '北海道 上士幌町'],
    ] as const) {
      const { client, personId } = await signedInClient(runtime, `${key}@example.jp`);
      assert.equal((await verifyWithDevProvider(client, key)).response.status, 303);
      assert.equal((await verificationsOf(runtime, personId))[0]?.residence_lg_code, lgCode);
      assert.match(await (await client.get('/verification/result')).text(), new RegExp(shown));
    }
  });

  it('verifies a person whose address names no municipality, with a clear message', async () => {
    const { client, personId } = await signedInClient(runtime, 'ichiro@example.jp');
    assert.equal((await verifyWithDevProvider(client, 'overseas')).response.status, 303);
    const [row] = await verificationsOf(runtime, personId);
    assert.equal(row?.residence_lg_code, null);
    assert.equal(row?.residence_prefecture_code, null);
    const html = await (await client.get('/verification/result')).text();
    assert.match(html, /お住まいの市区町村を特定できませんでした/);
    const api = await (await client.get('/api/v1/me/verification')).json();
    assert.equal(api.verification.residence.lgCode, null);
  });

  it('expires after VERIFICATION_VALID_DAYS', async () => {
    const { client, personId } = await signedInClient(runtime, 'expiring@example.jp');
    await verifyWithDevProvider(client, 'guardian');
    const db = runtime.database.db;
    const [row] = await verificationsOf(runtime, personId);
    assert.ok(row);
    const justBefore = new Date(row.expires_at.getTime() - 1000);
    assert.ok(await getCurrentVerification({ db, personId, now: justBefore }));
    assert.equal(await getCurrentVerification({ db, personId, now: row.expires_at }), undefined);

    await db
      .updateTable('identity_verifications')
      .set({ verified_at: sql<Date>`now() - interval '366 days'`, expires_at: sql<Date>`now() - interval '1 day'` })
      .where('person_id', '=', personId)
      .execute();
    assert.equal(await getCurrentVerification({ db, personId }), undefined);
    assert.equal((await (await client.get('/api/v1/me/verification')).json()).status, 'expired');
    assert.match(await (await client.get('/verification')).text(), /有効期限切れ/);
    // The result page needs a current verification.
    assert.equal((await client.get('/verification/result')).status, 303);
    // Verifying again replaces the expired one.
    assert.equal((await verifyWithDevProvider(client, 'guardian')).response.status, 303);
    const rows = await verificationsOf(runtime, personId);
    assert.deepEqual(rows.map((each) => each.status).sort(), ['superseded', 'valid']);
    assert.ok(await getCurrentVerification({ db, personId }));
  });

  it('refuses a card that already verifies another account', async () => {
    const { client, personId } = await signedInClient(runtime, 'second-account@example.jp');
    const { response } = await verifyWithDevProvider(client, 'adult');
    assert.equal(response.status, 409);
    assert.match(await response.text(), /別のアカウントの本人確認に使われています/);
    assert.deepEqual(await verificationsOf(runtime, personId), []);
  });

  it('stores nothing when the person cancels at the provider', async () => {
    const { client, personId } = await signedInClient(runtime, 'cancel@example.jp');
    const { response } = await verifyWithDevProvider(client, 'cancel');
    assert.equal(response.status, 400);
    assert.match(await response.text(), /本人確認を中止しました/);
    assert.deepEqual(await verificationsOf(runtime, personId), []);
  });

  it('needs a signed-in person', async () => {
    const anonymous = runtime.client();
    const page = await anonymous.get('/verification');
    assert.equal(page.status, 303);
    assert.equal(page.headers.get('location'), '/signin?next=%2Fverification');
    assert.equal((await anonymous.get('/api/v1/me/verification')).status, 401);
    assert.equal((await anonymous.sendJson('/api/v1/me/verification/start', {})).status, 401);
  });

  it('returns the authorization URL through the API, and refuses a return path off the site', async () => {
    const { client } = await signedInClient(runtime, 'api-start@example.jp');
    const started = await client.sendJson('/api/v1/me/verification/start', { returnPath: '/account' });
    assert.equal(started.status, 200);
    const body = (await started.json()) as { authorizationUrl: string; expiresAt: string };
    assert.equal(new URL(body.authorizationUrl).origin, provider.issuer);
    const offSite = await client.sendJson('/api/v1/me/verification/start', { returnPath: '//evil.example/' });
    assert.equal(offSite.status, 400);
    const noBody = await client.request('/api/v1/me/verification/start', {
      method: 'POST',
      headers: { Origin: 'http://localhost:3000', 'X-CSRF-Token': client.csrfToken },
    });
    assert.equal(noBody.status, 200);
  });
});

describe('attacks on the callback (a provider that spoils its answers)', () => {
  let fake: FakeOidcProvider;
  let runtime: TestRuntime;

  before(async () => {
    fake = await startFakeOidcProvider();
    runtime = await startTestRuntime(fake.configOverrides);
  });

  after(async () => {
    await runtime?.close();
    await fake?.close();
  });

  async function assertNothingStored(personId: string, reason: string) {
    assert.deepEqual(await verificationsOf(runtime, personId), []);
    const events = await auditOf(runtime, personId);
    assert.ok(!events.some((event) => event.action === 'person.identity_verified'));
    const failure = events.filter((event) => event.action === 'person.identity_verification_failed').at(-1);
    assert.deepEqual(failure?.data, { reason });
  }

  const attacks: Array<[IdTokenTamper, RegExp, string]> = [
    ['bad-signature', /署名が正しくありません/, 'signature'],
    ['wrong-nonce', /nonce の不一致/, 'nonce'],
    ['expired', /有効期限が切れています/, 'expired'],
    ['wrong-audience', /このサービスあてに発行されたものではありません/, 'audience'],
  ];
  for (const [tamper, message, reason] of attacks) {
    it(`refuses an ID token with ${tamper} and stores nothing`, async () => {
      const { client, personId } = await signedInClient(runtime, `${tamper}@example.jp`);
      fake.tamper = tamper;
      try {
        const response = await arrive(client, await fake.authorize(await pressStart(client)));
        assert.equal(response.status, 400);
        assert.match(await response.text(), message);
      } finally {
        fake.tamper = 'none';
      }
      await assertNothingStored(personId, reason);
    });
  }

  it('refuses a replayed state after a successful verification', async () => {
    const { client, personId } = await signedInClient(runtime, 'replay@example.jp');
    const callback = await fake.authorize(await pressStart(client));
    assert.equal((await arrive(client, callback)).status, 303);
    assert.equal((await verificationsOf(runtime, personId)).length, 1);

    const replay = await arrive(client, callback);
    assert.equal(replay.status, 400);
    assert.match(await replay.text(), /すでに使われているか/);
    assert.equal((await verificationsOf(runtime, personId)).length, 1);
    const failure = (await auditOf(runtime, personId)).at(-1);
    assert.deepEqual(failure, { action: 'person.identity_verification_failed', data: { reason: 'state_replayed' } });
    assert.equal(fake.refusedClientAssertions, 0);
  });

  it('refuses a state started by another account, an unknown state and a missing one', async () => {
    const victim = await signedInClient(runtime, 'victim@example.jp');
    const attacker = await signedInClient(runtime, 'attacker@example.jp');
    fake.person = { ...fake.person, sub: 'fake-card-attacker' };
    const callback = await fake.authorize(await pressStart(attacker.client));
    // The attacker makes the victim's browser arrive with the attacker's code and state (login CSRF).
    const response = await arrive(victim.client, callback);
    assert.equal(response.status, 400);
    await assertNothingStored(victim.personId, 'state_other_person');

    const forged = new URL(callback);
    forged.searchParams.set('state', 'x'.repeat(43));
    assert.equal((await arrive(victim.client, forged)).status, 400);
    await assertNothingStored(victim.personId, 'state_unknown');
    forged.searchParams.delete('state');
    assert.equal((await arrive(victim.client, forged)).status, 400);
    await assertNothingStored(victim.personId, 'state_missing');
    // The attacker's own request was not used up by the victim's browser, and still works for them.
    assert.equal((await arrive(attacker.client, callback)).status, 303);
  });

  it('refuses an expired authorization request', async () => {
    const { client, personId } = await signedInClient(runtime, 'slow@example.jp');
    const callback = await fake.authorize(await pressStart(client));
    await runtime.database.db
      .updateTable('oidc_authorization_requests')
      .set({ expires_at: sql<Date>`now() - interval '1 second'` })
      .where('person_id', '=', personId)
      .execute();
    assert.equal((await arrive(client, callback)).status, 400);
    await assertNothingStored(personId, 'state_expired');
  });

  it('reports an unreachable provider as unavailable', async () => {
    const gone = await startFakeOidcProvider();
    await gone.close();
    const elsewhere = await startTestRuntime(gone.configOverrides);
    try {
      const { client, personId } = await signedInClient(elsewhere, 'unreachable@example.jp');
      const response = await client.postForm('/verification/start');
      assert.equal(response.status, 503);
      assert.match(await response.text(), /接続できません/);
      assert.deepEqual(await elsewhere.database.db.selectFrom('oidc_authorization_requests').selectAll().execute(), []);
      assert.equal((await verificationsOf(elsewhere, personId)).length, 0);
    } finally {
      await elsewhere.close();
    }
  });
});

describe('guardian consent for minors', () => {
  let provider: DevOidcProvider;
  let runtime: TestRuntime;
  let minor: { client: TestClient; personId: string };
  let guardian: { client: TestClient; personId: string };

  before(async () => {
    provider = await startDevOidcProvider({ redirectUris: [callbackUri] });
    runtime = await startTestRuntime(provider.configOverrides);
    minor = await signedInClient(runtime, 'minato.sato@example.jp');
    assert.equal((await verifyWithDevProvider(minor.client, 'minor')).response.status, 303);
    guardian = await signedInClient(runtime, 'hanako.sato@example.jp');
  });

  after(async () => {
    await runtime?.close();
    await provider?.close();
  });

  /** The minor asks; returns the approval link path from the guardian's mail. */
  async function requestConsent(to: string): Promise<string> {
    const mailsBefore = runtime.mail.lastSequence();
    const response = await minor.client.postForm('/verification/guardian', { guardianEmail: to });
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/verification?notice=guardian_requested');
    const mail = await runtime.mail.waitForMail(to, (message) => message.sequence > mailsBefore);
    assert.match(mail.subject, /保護者の同意のお願い/);
    assert.doesNotMatch(mail.text, /佐藤 みなと/);
    const link = linkIn(mail.text);
    assert.match(link, /^\/guardian\/consent\?token=/);
    return link;
  }

  const consentOf = () =>
    hasGuardianConsent({ db: runtime.database.db, personId: minor.personId, scope: 'premium_registration' });

  it('lets a verified adult guardian approve, once, and tells the minor', async () => {
    const link = await requestConsent('hanako.sato@example.jp');

    // Not signed in: the link leads to sign-in and back.
    const anonymous = await runtime.client().get(link);
    assert.equal(anonymous.status, 303);
    assert.equal(anonymous.headers.get('location'), `/signin?next=${encodeURIComponent(link)}`);

    // Signed in but not verified: the page explains and offers verification that returns here.
    const first = await (await guardian.client.get(link)).text();
    assert.doesNotMatch(first, /佐藤 みなと/, 'the name waits for a verified adult');
    assert.match(first, /未成年の方/);
    assert.match(first, /プレミアム登録/);
    assert.match(first, /まず本人確認をしてください/);
    assert.equal((await guardian.client.postForm('/guardian/consent', { token: tokenOf(link) })).status, 403);

    const { response } = await verifyWithDevProvider(guardian.client, 'guardian', { next: link });
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), `/verification/result?next=${encodeURIComponent(link)}`);
    const result = await (await guardian.client.get(response.headers.get('location')!)).text();
    assert.match(result, /手続きを続ける/);

    const ready = await (await guardian.client.get(link)).text();
    assert.match(ready, /佐藤 みなとさん（マイナンバーカードで本人確認済み）/);
    assert.match(ready, /佐藤 花子さん（本人確認済み）として同意します/);
    const mailsBefore = runtime.mail.lastSequence();
    const approved = await guardian.client.postForm('/guardian/consent', { token: tokenOf(link) });
    assert.equal(approved.status, 200);
    assert.match(await approved.text(), /保護者としての同意を記録しました/);
    assert.equal(await consentOf(), true);

    const told = await runtime.mail.waitForMail('minato.sato@example.jp', (mail) => mail.sequence > mailsBefore);
    assert.match(told.subject, /保護者の同意が得られました/);

    const [row] = await runtime.database.db
      .selectFrom('guardian_consents')
      .selectAll()
      .where('minor_person_id', '=', minor.personId)
      .execute();
    assert.equal(row?.status, 'granted');
    assert.equal(row?.guardian_person_id, guardian.personId);
    assert.ok(row?.guardian_verification_id);
    assert.ok(
      (await auditOf(runtime, minor.personId)).some((event) => event.action === 'person.guardian_consent_granted'),
    );
    assert.ok(
      (await auditOf(runtime, guardian.personId)).some((event) => event.action === 'person.guardian_consent_given'),
    );

    const minorPage = await (await minor.client.get('/verification')).text();
    assert.match(minorPage, /保護者の同意が得られています/);
    assert.match(minorPage, /佐藤 花子/);
    assert.match(await (await minor.client.get('/account')).text(), /保護者の同意<\/dt><dd>同意済み/);

    // The same link a second time.
    const again = await guardian.client.postForm('/guardian/consent', { token: tokenOf(link) });
    assert.equal(again.status, 400);
    assert.match(await again.text(), /このリンクは有効期限が切れたか、すでに使われた/);
    assert.equal((await guardian.client.get(link)).status, 400);

    // A further request while consent stands is refused.
    const refused = await minor.client.sendJson('/api/v1/me/guardian-consents', { guardianEmail: 'x@example.jp' });
    assert.equal(refused.status, 409);
  });

  it('lets the guardian withdraw, audited on both sides', async () => {
    const list = (await (await guardian.client.get('/api/v1/me/guardian-consents')).json()) as {
      asGuardian: Array<{ id: string; status: string; otherPartyName: string }>;
    };
    const given = list.asGuardian.find((consent) => consent.status === 'granted');
    assert.ok(given);
    assert.equal(given.otherPartyName, '佐藤 みなと');
    const withdrawn = await guardian.client.sendJson(`/api/v1/me/guardian-consents/${given.id}/withdraw`, undefined);
    assert.equal(withdrawn.status, 204);
    assert.equal(await consentOf(), false);
    for (const personId of [minor.personId, guardian.personId]) {
      const event = (await auditOf(runtime, personId)).find(
        (each) => each.action === 'person.guardian_consent_withdrawn',
      );
      assert.deepEqual(event?.data, { consentId: given.id, scope: 'premium_registration', by: 'guardian' });
    }
    // Not theirs any more, and never someone else's.
    assert.equal(
      (await guardian.client.sendJson(`/api/v1/me/guardian-consents/${given.id}/withdraw`, undefined)).status,
      404,
    );
    const stranger = await signedInClient(runtime, 'stranger@example.jp');
    assert.equal(
      (await stranger.client.sendJson(`/api/v1/me/guardian-consents/${given.id}/withdraw`, undefined)).status,
      404,
    );
  });

  it('refuses a guardian who is a minor themselves', async () => {
    const teen = await signedInClient(runtime, 'yui@example.jp');
    const link = await requestConsent('yui@example.jp');
    assert.equal((await verifyWithDevProvider(teen.client, 'teen')).response.status, 303);
    const page = await (await teen.client.get(link)).text();
    assert.match(page, /保護者として同意できるのは、本人確認で18歳以上と確認された方だけです/);
    assert.doesNotMatch(page, /同意する<\/button>/);
    const refused = await teen.client.postForm('/guardian/consent', { token: tokenOf(link) });
    assert.equal(refused.status, 403);
    assert.equal(await consentOf(), false);
    const audit = await auditOf(runtime, teen.personId);
    assert.ok(audit.some((event) => event.action === 'person.guardian_consent_refused'));

    // The link still works for the real guardian; and the minor can cancel the open request.
    assert.equal((await guardian.client.get(link)).status, 200);
    const open = (await (await minor.client.get('/api/v1/me/guardian-consents')).json()) as {
      asMinor: Array<{ id: string; status: string }>;
    };
    const pending = open.asMinor.find((consent) => consent.status === 'pending');
    assert.ok(pending);
    const cancelled = await minor.client.postForm(`/verification/guardian/${pending.id}/withdraw`, {
      next: '/verification',
    });
    assert.equal(cancelled.status, 303);
    assert.equal((await guardian.client.postForm('/guardian/consent', { token: tokenOf(link) })).status, 400);
  });

  it('lets the minor withdraw a consent, and needs no consent from an adult', async () => {
    const link = await requestConsent('hanako.sato@example.jp');
    assert.equal((await guardian.client.postForm('/guardian/consent', { token: tokenOf(link) })).status, 200);
    assert.equal(await consentOf(), true);
    const { asMinor } = (await (await minor.client.get('/api/v1/me/guardian-consents')).json()) as {
      asMinor: Array<{ id: string; status: string }>;
    };
    const granted = asMinor.find((consent) => consent.status === 'granted');
    assert.ok(granted);
    assert.equal((await minor.client.postForm(`/verification/guardian/${granted.id}/withdraw`)).status, 303);
    assert.equal(await consentOf(), false);
    const event = (await auditOf(runtime, guardian.personId))
      .filter((each) => each.action === 'person.guardian_consent_withdrawn')
      .at(-1);
    assert.deepEqual(event?.data, { consentId: granted.id, scope: 'premium_registration', by: 'minor' });

    const adult = await guardian.client.sendJson('/api/v1/me/guardian-consents', {
      guardianEmail: 'someone@example.jp',
    });
    assert.equal(adult.status, 409);
    const unverified = await signedInClient(runtime, 'unverified@example.jp');
    const noVerification = await unverified.client.sendJson('/api/v1/me/guardian-consents', {
      guardianEmail: 'a@example.jp',
    });
    assert.equal(noVerification.status, 403);
  });

  it('ends consents and erases verifications when an account is deleted', async () => {
    const link = await requestConsent('hanako.sato@example.jp');
    assert.equal((await guardian.client.postForm('/guardian/consent', { token: tokenOf(link) })).status, 200);
    const exported = (await (await guardian.client.get('/api/v1/me/export')).json()) as {
      identityVerification: { verifications: Array<{ verifiedName: string }> };
    };
    assert.equal(exported.identityVerification.verifications.at(-1)?.verifiedName, '佐藤 花子');

    const deleted = await guardian.client.sendJson('/api/v1/me', { confirmation: 'delete' }, 'DELETE');
    assert.equal(deleted.status, 204);
    assert.deepEqual(await verificationsOf(runtime, guardian.personId), []);
    assert.equal(await consentOf(), false);
    const event = (await auditOf(runtime, minor.personId)).at(-1);
    assert.equal(event?.action, 'person.guardian_consent_withdrawn');
    assert.equal((event?.data as { reason?: string }).reason, 'guardian_account_deleted');
  });
});

function tokenOf(link: string): string {
  return new URL(link, 'http://localhost').searchParams.get('token') ?? '';
}
