import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { decodeJwt, decodeProtectedHeader, SignJWT, UnsecuredJWT } from 'jose';
import QRCode from 'qrcode';
import { signedInClient, startTestRuntime, type TestRuntime } from '../../../test/support/runtime.js';
import { joinTenants } from '../../../test/support/staff.js';
import type { TestClient } from '../../../test/support/client.js';
import { testConfig } from '../../../test/support/app.js';
import { withTenant } from '../../platform/db/tenant-scope.js';
import {
  cardQrCodeDataUri,
  cardTokenLifetimeSeconds,
  issueCardToken,
  signCardToken,
  verifyCardToken,
  type CardVerification,
} from './card.service.js';
import { registerWithGovernment, setShowNameOnCard, withdrawRegistration } from './index.js';

const kesennuma = '042056'; // 宮城県気仙沼市
const kamiyama = '363421'; // 徳島県神山町
const miyagi = '040002'; // 宮城県, registered along with 気仙沼市 (prefecture link)
const chiyoda = '131016'; // 東京都千代田区: where the test people say they live
const config = testConfig();

interface Holder {
  client: TestClient;
  personId: string;
  email: string;
  /** The display name, which the registration shares as the holder's name. */
  name: string;
  registrationId: string;
}

let runtime: TestRuntime;
let people = 0;

/** A signed-in person registered with `lgCode`, living in 千代田区, with a display name. */
async function holder(options: { lgCode?: string; showName?: boolean; livesIn?: string } = {}): Promise<Holder> {
  people += 1;
  const email = `card-holder-${people}@example.jp`;
  const { client, personId } = await signedInClient(runtime, email);
  const name = `山田 花子${people}号`;
  const profile = await client.sendJson('/api/v1/me', { displayName: name, locale: 'ja' }, 'PATCH');
  assert.equal(profile.status, 204);
  const { registration } = await registerWithGovernment({
    db: runtime.database.db,
    personId,
    lgCode: options.lgCode ?? kesennuma,
    input: {
      ties: ['furusato_nozei'],
      showNameOnCard: options.showName ?? false,
      declaredResidenceLgCode: options.livesIn ?? chiyoda,
    },
  });
  return { client, personId, email, name, registrationId: registration.id };
}

async function setRegistration(
  lgCode: string,
  id: string,
  changes: { tier?: 'premium'; premium_since?: Date; premium_valid_until?: Date; long_stay?: boolean },
): Promise<void> {
  await withTenant(runtime.database.db, lgCode, (scope) =>
    scope.trx.updateTable('registrations').set(changes).where('lg_code', '=', lgCode).where('id', '=', id).execute(),
  );
}

async function tokenOf(person: Holder, lgCode = kesennuma): Promise<string> {
  return (await issueCardToken({ db: runtime.database.db, config, personId: person.personId, lgCode })).token;
}

function verify(token: string, now?: Date): Promise<CardVerification> {
  return verifyCardToken({ db: runtime.database.db, config, token, ...(now ? { now } : {}) });
}

async function verifyPage(token: string): Promise<string> {
  const response = await runtime.client().get(`/verify?token=${encodeURIComponent(token)}`);
  assert.equal(response.status, 200);
  return response.text();
}

async function verifyApi(token: string): Promise<Record<string, unknown>> {
  const response = await runtime.client().get(`/api/v1/cards/verify?token=${encodeURIComponent(token)}`);
  assert.equal(response.status, 200);
  return (await response.json()) as Record<string, unknown>;
}

/** Replaces the first character of the signature: the last one may only carry padding bits. */
function tamperSignature(token: string): string {
  const [header, payload, signature = ''] = token.split('.');
  return `${header}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
}

before(async () => {
  runtime = await startTestRuntime();
  await joinTenants(runtime, [kesennuma, kamiyama, miyagi]);
});

after(async () => {
  await runtime.close();
});

describe('card token', () => {
  it('round trips: a compact HS256 JWS with the registration, type, id and a 5-minute life', async () => {
    const person = await holder();
    const issued = await issueCardToken({
      db: runtime.database.db,
      config,
      personId: person.personId,
      lgCode: kesennuma,
    });
    assert.deepEqual(decodeProtectedHeader(issued.token), { alg: 'HS256' });
    const claims = decodeJwt(issued.token);
    assert.equal(claims.typ, 'card');
    assert.equal(claims.lg, kesennuma);
    assert.equal(claims.sub, person.registrationId);
    assert.equal(typeof claims.jti, 'string');
    assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), cardTokenLifetimeSeconds);
    assert.equal(issued.expiresAt.getTime(), (claims.exp ?? 0) * 1000);
    assert.doesNotMatch(JSON.stringify(claims), /example\.jp|山田|131016/, 'no personal data in the token');
    assert.notEqual(await tokenOf(person), issued.token, 'every token has its own jti');

    assert.equal(issued.verifyUrl, `http://localhost:3000/verify?token=${issued.token}`);
    assert.ok(QRCode.create(issued.verifyUrl, { errorCorrectionLevel: 'M' }).version <= 12, 'QR code stays small');
    const longHost = `https://furusato-touroku.example.digital.go.jp/verify?token=${issued.token}`;
    assert.ok(QRCode.create(longHost, { errorCorrectionLevel: 'M' }).version <= 13, 'also under a long host name');

    const { checkedAt, ...result } = await verify(issued.token);
    assert.ok(checkedAt instanceof Date);
    assert.deepEqual(result, {
      valid: true,
      reason: null,
      government: { lgCode: kesennuma, name: '宮城県気仙沼市' },
      tier: 'basic',
      validUntil: null,
      holderName: null,
    });
  });

  it('is valid until its expiry and refused from then on; a token signed in the past is refused', async () => {
    const person = await holder();
    const now = new Date();
    const fresh = await signCardToken({ config, lgCode: kesennuma, registrationId: person.registrationId, now });
    const justBefore = new Date(now.getTime() + (cardTokenLifetimeSeconds - 1) * 1000);
    const atExpiry = new Date(Math.floor(now.getTime() / 1000) * 1000 + cardTokenLifetimeSeconds * 1000);
    assert.equal((await verify(fresh.token, justBefore)).valid, true);
    const expired = await verify(fresh.token, atExpiry);
    assert.equal(expired.valid, false);
    assert.equal(expired.reason, 'expired');

    const old = await signCardToken({
      config,
      lgCode: kesennuma,
      registrationId: person.registrationId,
      now: new Date(Date.now() - 10 * 60 * 1000),
    });
    const result = await verify(old.token);
    assert.deepEqual(
      { valid: result.valid, reason: result.reason, government: result.government, tier: result.tier },
      { valid: false, reason: 'expired', government: null, tier: null },
      'an expired token tells nothing about the registration',
    );
    const page = await verifyPage(old.token);
    assert.match(page, /無効/);
    assert.match(page, /QRコードの有効期限（5分）が切れています/);
    assert.doesNotMatch(page, /気仙沼/);
    assert.equal((await verifyApi(old.token)).reason, 'expired');
  });

  it('refuses a tampered signature, a changed payload, another key, an unsigned token and garbage', async () => {
    const person = await holder();
    const token = await tokenOf(person);
    assert.equal((await verify(tamperSignature(token))).reason, 'bad_signature');

    const [header, , signature] = token.split('.');
    const otherPlace = Buffer.from(JSON.stringify({ ...decodeJwt(token), lg: kamiyama })).toString('base64url');
    assert.equal((await verify(`${header}.${otherPlace}.${signature}`)).reason, 'bad_signature');

    const otherSecret = testConfig({ APP_SECRET: 'another-secret-another-secret-another-secret' });
    const foreign = await signCardToken({
      config: otherSecret,
      lgCode: kesennuma,
      registrationId: person.registrationId,
    });
    assert.equal((await verify(foreign.token)).reason, 'bad_signature');

    const unsigned = new UnsecuredJWT({ ...decodeJwt(token) }).encode();
    assert.equal((await verify(unsigned)).reason, 'bad_signature');

    for (const garbage of ['x', 'a.b.c', '.', `${token}.extra`, 'é'.repeat(5000)]) {
      const result = await verify(garbage);
      assert.equal(result.valid, false, garbage.slice(0, 20));
      assert.ok(result.reason === 'malformed' || result.reason === 'bad_signature', garbage.slice(0, 20));
      assert.equal(result.government, null);
    }

    const page = await verifyPage(tamperSignature(token));
    assert.match(page, /無効/);
    assert.match(page, /署名が正しくありません/);
    assert.doesNotMatch(page, /気仙沼/);
  });

  it('refuses a token of another type signed under the card key (the key is derived from APP_SECRET)', async () => {
    const person = await holder();
    const key = createHmac('sha256', config.APP_SECRET).update('furusato:registration-card-token:v1').digest();
    const sign = (typ: string) =>
      new SignJWT({ typ, lg: kesennuma })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(person.registrationId)
        .setJti('abcdefghijklmnopq')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(new Uint8Array(key));
    assert.equal((await verify(await sign('card'))).valid, true, 'the derivation is the documented one');
    assert.equal((await verify(await sign('check-in'))).reason, 'malformed');
  });

  it('is issued only for the person’s own active registration', async () => {
    const person = await holder();
    const stranger = await holder({ lgCode: kamiyama });
    await assert.rejects(
      issueCardToken({ db: runtime.database.db, config, personId: stranger.personId, lgCode: kesennuma }),
      { code: 'registration_not_found' },
    );
    await assert.rejects(
      issueCardToken({ db: runtime.database.db, config, personId: person.personId, lgCode: '999999' }),
      { code: 'registration_not_found' },
    );
    const api = await stranger.client.get(`/api/v1/me/registrations/${kesennuma}/card-token`);
    assert.equal(api.status, 404);
    const own = await person.client.get(`/api/v1/me/registrations/${kesennuma}/card-token`);
    assert.equal(own.status, 200);
    assert.equal(own.headers.get('cache-control'), 'no-store');
    const body = (await own.json()) as { token: string; verifyUrl: string; expiresAt: string; qrCodeDataUri: string };
    assert.equal(body.verifyUrl, `http://localhost:3000/verify?token=${body.token}`);
    assert.equal(body.qrCodeDataUri, await cardQrCodeDataUri(body.verifyUrl));
    assert.equal((await verify(body.token)).valid, true);
    assert.equal((await runtime.client().get(`/api/v1/me/registrations/${kesennuma}/card-token`)).status, 401);
  });
});

describe('card page', () => {
  it('shows the government, tier, 更新不要 and the QR code of the verify URL, with a refresh link', async () => {
    const person = await holder();
    const response = await person.client.get(`/my/places/${kesennuma}/card`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const html = await response.text();
    assert.match(html, /<h2 id="card-government"[^>]*>宮城県気仙沼市<\/h2>/);
    assert.match(html, /ベーシック/);
    assert.match(html, /更新不要/);
    assert.doesNotMatch(html, /長期滞在|住所地/);
    assert.doesNotMatch(html, /山田 花子/, 'the name is off unless the holder chose it');
    assert.match(html, /まで有効です/);
    assert.match(html, new RegExp(`href="/my/places/${kesennuma}/card"[^>]*>QRコードを更新<`));
    assert.match(html, /<script src="\/assets\/card-refresh.js"/);

    const verifyUrl = /data-verify-url="([^"]+)"/.exec(html)?.[1];
    const image = /<img src="(data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+)"/.exec(html)?.[1];
    assert.ok(verifyUrl && image);
    assert.match(verifyUrl, /^http:\/\/localhost:3000\/verify\?token=[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.equal(image, await cardQrCodeDataUri(verifyUrl), 'the QR code holds exactly the verify URL');
    assert.equal((await verify(new URL(verifyUrl).searchParams.get('token') ?? '')).valid, true);
  });

  it('shows premium with its end of validity, the long-stay mark and the name the holder chose to show', async () => {
    const person = await holder({ showName: true });
    const until = new Date('2027-03-31T12:00:00+09:00');
    await setRegistration(kesennuma, person.registrationId, {
      tier: 'premium',
      premium_since: new Date(),
      premium_valid_until: until,
      long_stay: true,
    });
    const html = await (await person.client.get(`/my/places/${kesennuma}/card`)).text();
    assert.match(html, /プレミアム/);
    assert.match(html, /2027年3月31日まで/);
    assert.doesNotMatch(html, /更新不要/);
    assert.match(html, /長期滞在/);
    assert.match(html, new RegExp(person.name));

    const token = await tokenOf(person);
    const result = await verify(token);
    assert.equal(result.valid, true);
    assert.equal(result.tier, 'premium');
    assert.equal(result.validUntil?.getTime(), until.getTime());
    assert.equal(result.holderName, person.name);
    const page = await verifyPage(token);
    assert.match(page, /有効/);
    assert.match(page, /プレミアム/);
    assert.match(page, /2027年3月31日まで/);
    assert.match(page, new RegExp(person.name));
    const json = await verifyApi(token);
    assert.equal(json.tier, 'premium');
    assert.equal(json.validUntil, until.toISOString());
  });

  it('shows the card of the prefecture registration that came with the municipality', async () => {
    const person = await holder();
    const html = await (await person.client.get(`/my/places/${miyagi}/card`)).text();
    assert.match(html, /<h2 id="card-government"[^>]*>宮城県<\/h2>/);
    const result = await verify(await tokenOf(person, miyagi));
    assert.equal(result.valid, true);
    assert.deepEqual(result.government, { lgCode: miyagi, name: '宮城県' });
  });

  it('marks the card of the place where the holder lives (住所地)', async () => {
    const person = await holder({ livesIn: kesennuma });
    const html = await (await person.client.get(`/my/places/${kesennuma}/card`)).text();
    assert.match(html, /住所地/);
  });

  it('is 404 for another person’s registration, an unknown government and an ended registration', async () => {
    const person = await holder();
    const stranger = await holder({ lgCode: kamiyama });
    assert.equal((await stranger.client.get(`/my/places/${kesennuma}/card`)).status, 404);
    assert.equal((await person.client.get('/my/places/999999/card')).status, 404);
    assert.equal((await person.client.get('/my/places/nonsense/card')).status, 404);
    await withdrawRegistration({ db: runtime.database.db, personId: person.personId, lgCode: kesennuma });
    assert.equal((await person.client.get(`/my/places/${kesennuma}/card`)).status, 404);
    const signedOut = await runtime.client().get(`/my/places/${kesennuma}/card`);
    assert.equal(signedOut.status, 303);
    assert.match(signedOut.headers.get('location') ?? '', /^\/signin\?next=/);
  });
});

describe('public verification', () => {
  it('says 無効 for the token of a registration withdrawn after the token was issued', async () => {
    const person = await holder({ showName: true });
    const token = await tokenOf(person);
    assert.equal((await verify(token)).valid, true);
    await withdrawRegistration({ db: runtime.database.db, personId: person.personId, lgCode: kesennuma });
    const result = await verify(token);
    assert.deepEqual(
      { valid: result.valid, reason: result.reason, tier: result.tier, holderName: result.holderName },
      { valid: false, reason: 'registration_ended', tier: null, holderName: null },
    );
    const page = await verifyPage(token);
    assert.match(page, /無効/);
    assert.match(page, /この登録は終了しています/);
    assert.doesNotMatch(page, /山田 花子/);
  });

  it('says 無効 once premium has run out', async () => {
    const person = await holder();
    const ended = new Date(Date.now() - 24 * 60 * 60 * 1000);
    await setRegistration(kesennuma, person.registrationId, {
      tier: 'premium',
      premium_since: new Date(ended.getTime() - 365 * 24 * 60 * 60 * 1000),
      premium_valid_until: ended,
    });
    const token = await tokenOf(person);
    const result = await verify(token);
    assert.equal(result.valid, false);
    assert.equal(result.reason, 'premium_expired');
    assert.equal(result.tier, 'premium');
    assert.match(await verifyPage(token), /プレミアム登録の有効期限が切れています/);
    assert.match(await (await person.client.get(`/my/places/${kesennuma}/card`)).text(), /「無効」と表示されます/);
  });

  it('shows the name only when the holder chose so, and never the e-mail address or residence', async () => {
    const person = await holder({ showName: false });
    const { name } = person;
    const hidden = await tokenOf(person);
    assert.doesNotMatch(await verifyPage(hidden), new RegExp(name));
    assert.equal((await verifyApi(hidden)).holderName, null);

    await setShowNameOnCard({ db: runtime.database.db, personId: person.personId, lgCode: kesennuma, show: true });
    const shown = await tokenOf(person);
    for (const token of [hidden, shown]) {
      const page = await verifyPage(token);
      const json = await verifyApi(token);
      assert.match(page, new RegExp(name), 'the holder’s choice applies when the card is checked');
      assert.equal(json.holderName, name);
      assert.deepEqual(Object.keys(json).sort(), [
        'checkedAt',
        'government',
        'holderName',
        'reason',
        'tier',
        'valid',
        'validUntil',
      ]);
      for (const text of [page, JSON.stringify(json)]) {
        assert.ok(!text.includes(person.email), 'no e-mail address');
        assert.doesNotMatch(text, /card-holder-/, 'no e-mail address');
        assert.doesNotMatch(text, /千代田|131016|東京都/, 'no residence');
        assert.ok(!text.includes(person.personId), 'no person id');
        assert.ok(!text.includes(person.registrationId), 'no registration id');
      }
    }
  });

  it('limits checks of one token (20 in 5 minutes), counting the page and the API together', async () => {
    const person = await holder();
    const token = await tokenOf(person);
    for (let check = 0; check < 10; check += 1) assert.equal((await verifyApi(token)).valid, true);
    for (let check = 0; check < 10; check += 1) await verifyPage(token);
    const api = await runtime.client().get(`/api/v1/cards/verify?token=${encodeURIComponent(token)}`);
    assert.equal(api.status, 429);
    assert.equal(((await api.json()) as { code: string }).code, 'rate_limited');
    assert.equal((await runtime.client().get(`/verify?token=${encodeURIComponent(token)}`)).status, 429);
    assert.equal((await verifyApi(await tokenOf(person))).valid, true, 'a fresh token is counted on its own');
  });

  it('explains itself without a token, refuses an API call without one, and is never cached', async () => {
    const page = await runtime.client().get('/verify');
    assert.equal(page.status, 200);
    assert.match(await page.text(), /QRコードを、お手持ちのスマートフォンなどで読み取ると/);
    assert.equal((await runtime.client().get('/api/v1/cards/verify')).status, 400);
    const person = await holder();
    const response = await runtime.client().get(`/api/v1/cards/verify?token=${await tokenOf(person)}`);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const html = await runtime.client().get(`/verify?token=${await tokenOf(person)}`);
    assert.equal(html.headers.get('cache-control'), 'no-store');
    assert.equal(html.headers.get('x-robots-tag'), 'noindex');
  });

  it('documents both endpoints under the registrations tag and serves the refresh island', async () => {
    const document = (await (await runtime.client().get('/api/openapi.json')).json()) as {
      paths: Record<string, { get?: { tags?: string[] } }>;
    };
    for (const path of ['/api/v1/cards/verify', '/api/v1/me/registrations/{lgCode}/card-token']) {
      assert.deepEqual(document.paths[path]?.get?.tags, ['registrations'], path);
    }
    const island = await runtime.client().get('/assets/card-refresh.js');
    assert.equal(island.status, 200);
    assert.match(island.headers.get('content-type') ?? '', /javascript/);
    assert.match(await island.text(), /data-card-refresh/);
  });
});
