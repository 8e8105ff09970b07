/**
 * DEVELOPMENT AND TESTS ONLY. A local OpenID Connect provider that plays the state's デジタル認証アプリ
 * (My Number card identity verification): authorization code flow with PKCE (S256), `state` and
 * `nonce` required, client authentication by `private_key_jwt` only, scopes `openid name address
 * birthdate`. Instead of reading a card, its sign-in page lists test persons to pick. Every key is made
 * at start and lives only in memory; nothing here may ever run in production (server.ts starts it only
 * when OIDC_ISSUER is unset outside production).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Adapter, AdapterPayload, ErrorOutput, KoaLikeContext } from 'oidc-provider';
import { japanDate } from '../platform/time.js';

export interface DevOidcPerson {
  /** Stable key for tests and the picker form. */
  key: string;
  /** The subject the provider issues; a real service issues one per relying party. */
  sub: string;
  name: string;
  /** YYYY-MM-DD */
  birthdate: string;
  address: string;
  /** What this person is for, shown on the picker. */
  note: { ja: string; en: string };
}

/** `years` before `today` in Japan, so the minors stay minors whenever the tests run. */
function yearsBefore(today: Date, years: number, extraDays = 0): string {
  const [year, month, day] = japanDate(today).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year - years, month - 1, day - extraDays));
  return date.toISOString().slice(0, 10);
}

/** The test persons. Each has its own card (subject): one card verifies one account. */
export function devOidcPersons(today: Date = new Date()): DevOidcPerson[] {
  return [
    {
      key: 'adult',
      sub: 'dev-card-0001-yamada-taro',
      name: '山田 太郎',
      birthdate: '1985-04-01',
      address: '東京都千代田区霞が関一丁目1番1号',
      note: { ja: '成人・東京都千代田区', en: 'adult, Chiyoda, Tokyo' },
    },
    {
      key: 'guardian',
      sub: 'dev-card-0002-sato-hanako',
      name: '佐藤 花子',
      birthdate: '1982-09-15',
      address: '宮城県気仙沼市八日町二丁目1番1号',
      note: { ja: '成人・保護者役・宮城県気仙沼市', en: 'adult, plays the guardian, Kesennuma' },
    },
    {
      key: 'minor',
      sub: 'dev-card-0003-sato-minato',
      name: '佐藤 みなと',
      birthdate: yearsBefore(today, 15, 30),
      address: '宮城県気仙沼市八日町二丁目1番1号',
      note: { ja: '未成年（15歳）・宮城県気仙沼市', en: 'minor (15), Kesennuma' },
    },
    {
      key: 'teen',
      sub: 'dev-card-0004-takahashi-yui',
      name: '高橋 ゆい',
      birthdate: yearsBefore(today, 17, 100),
      address: '宮城県仙台市青葉区国分町三丁目7番1号',
      note: { ja: '未成年（17歳）・仙台市青葉区（政令市の区）', en: 'minor (17), Aoba ward of Sendai' },
    },
    {
      key: 'hokkaido',
      sub: 'dev-card-0005-tanaka-jiro',
      name: '田中 次郎',
      birthdate: '1990-01-20',
      address: '北海道河東郡上士幌町字上士幌東3線238番地',
      note: { ja: '成人・郡のある住所（北海道河東郡上士幌町）', en: 'adult, address with a county (Kamishihoro)' },
    },
    {
      key: 'overseas',
      sub: 'dev-card-0006-suzuki-ichiro',
      name: '鈴木 一郎',
      birthdate: '1970-07-07',
      address: 'アメリカ合衆国カリフォルニア州サンノゼ市ノースファーストストリート100',
      note: { ja: '成人・国外の住所（市区町村を特定できない）', en: 'adult, address abroad (no municipality)' },
    },
  ];
}

export const devOidcClientId = 'furusato-dev';

export interface DevOidcProvider {
  issuer: string;
  clientId: string;
  /** The client's private key (for private_key_jwt); the provider holds only its public half. */
  clientPrivateJwk: JWK;
  persons: DevOidcPerson[];
  /** OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_PRIVATE_KEY for an app that should use this provider. */
  configOverrides: Record<string, string>;
  close(): Promise<void>;
}

/** In-memory storage with expiry; the package's own one would print a warning on every start. */
function memoryAdapterFactory() {
  const store = new Map<string, { payload: AdapterPayload; expiresAt: number }>();
  const live = (key: string) => {
    const entry = store.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      store.delete(key);
      return undefined;
    }
    return entry.payload;
  };
  return (model: string): Adapter => {
    const key = (id: string) => `${model}:${id}`;
    const findBy = (field: 'uid' | 'userCode', value: string) => {
      for (const [stored, entry] of store) {
        if (stored.startsWith(`${model}:`) && entry.payload[field] === value) return live(stored);
      }
      return undefined;
    };
    return {
      async upsert(id, payload, expiresIn) {
        store.set(key(id), { payload, expiresAt: Date.now() + expiresIn * 1000 });
      },
      async find(id) {
        return live(key(id));
      },
      async findByUid(uid) {
        return findBy('uid', uid);
      },
      async findByUserCode(userCode) {
        return findBy('userCode', userCode);
      },
      async consume(id) {
        const payload = live(key(id));
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id) {
        store.delete(key(id));
      },
      async revokeByGrantId(grantId) {
        for (const [stored, entry] of store) if (entry.payload.grantId === grantId) store.delete(stored);
      },
    };
  };
}

function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character] ?? character,
  );
}

const pageStyle =
  'body{font-family:system-ui,"Noto Sans JP",sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.6}' +
  'button{display:block;width:100%;text-align:left;margin:.5rem 0;padding:.75rem;font-size:1rem;cursor:pointer}' +
  '.note{color:#555}.dev{background:#fff3cd;padding:.5rem;border:1px solid #c9a400}';

function htmlPage(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>${pageStyle}</style></head><body><main>${body}</main></body></html>`;
}

function pickerPage(uid: string, persons: DevOidcPerson[]): string {
  const buttons = persons
    .map(
      (person) =>
        `<button type="submit" name="person" value="${escapeHtml(person.key)}">${escapeHtml(person.name)}` +
        `<br><span class="note">${escapeHtml(person.note.ja)} / ${escapeHtml(person.note.en)}</span></button>`,
    )
    .join('');
  return htmlPage(
    'デジタル認証アプリ（開発用） / Digital authentication app (development)',
    `<h1>デジタル認証アプリ（開発用）</h1>` +
      `<p class="dev">開発・テスト専用の認証サーバーです。マイナンバーカードの代わりに、テスト用の人物を選びます。<br>` +
      `Development and tests only: pick a test person instead of reading a My Number card.</p>` +
      `<form method="post" action="/interaction/${escapeHtml(uid)}">${buttons}` +
      `<button type="submit" name="cancel" value="1">キャンセル / Cancel</button></form>`,
  );
}

async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > 16 * 1024) throw new Error('form too large');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * Starts the provider on loopback. `redirectUris` are the app's registered callbacks
 * (PUBLIC_URL + '/verification/callback').
 */
export async function startDevOidcProvider(options: {
  redirectUris: string[];
  port?: number;
  host?: string;
  today?: Date;
}): Promise<DevOidcProvider> {
  // Loaded only here, so a production process never imports the development provider.
  const { default: Provider } = await import('oidc-provider');
  const persons = devOidcPersons(options.today);
  const host = options.host ?? '127.0.0.1';

  const signing = await generateKeyPair('RS256', { extractable: true });
  const signingJwk = { ...(await exportJWK(signing.privateKey)), kid: 'dev-signing-1', alg: 'RS256', use: 'sig' };
  const client = await generateKeyPair('ES256', { extractable: true });
  const clientKid = `dev-client-${randomBytes(4).toString('hex')}`;
  const clientPublicJwk = { ...(await exportJWK(client.publicKey)), kid: clientKid, alg: 'ES256', use: 'sig' };
  const clientPrivateJwk: JWK = { ...(await exportJWK(client.privateKey)), kid: clientKid, alg: 'ES256' };

  let handle: ((request: IncomingMessage, response: ServerResponse) => void) | undefined;
  const server = createServer((request, response) => {
    if (!handle) {
      response.statusCode = 503;
      response.end('starting');
      return;
    }
    handle(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://${host}:${port}`;

  const byKey = new Map(persons.map((person) => [person.key, person]));
  const bySub = new Map(persons.map((person) => [person.sub, person]));
  const scopes = ['openid', 'name', 'address', 'birthdate'];

  const provider = new Provider(issuer, {
    adapter: memoryAdapterFactory(),
    clients: [
      {
        client_id: devOidcClientId,
        redirect_uris: options.redirectUris,
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'private_key_jwt',
        token_endpoint_auth_signing_alg: 'ES256',
        id_token_signed_response_alg: 'RS256',
        jwks: { keys: [clientPublicJwk] },
      },
    ],
    clientAuthMethods: ['private_key_jwt'],
    responseTypes: ['code'],
    scopes,
    claims: { openid: ['sub'], name: ['name'], address: ['address'], birthdate: ['birthdate'] },
    jwks: { keys: [signingJwk] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 600, Grant: 600 },
    async findAccount(_ctx: unknown, sub: string) {
      const person = bySub.get(sub);
      if (!person) return undefined;
      return {
        accountId: sub,
        claims: () => ({
          sub,
          name: person.name,
          birthdate: person.birthdate,
          address: { formatted: person.address },
        }),
      };
    },
    async renderError(ctx: KoaLikeContext, out: ErrorOutput) {
      ctx.type = 'html';
      ctx.body = htmlPage(
        'エラー / Error',
        `<h1>エラー / Error</h1><p>${escapeHtml(out.error)}</p><p>${escapeHtml(out.error_description ?? '')}</p>`,
      );
    },
  });
  const providerCallback = provider.callback();

  async function interaction(request: IncomingMessage, response: ServerResponse, uid: string): Promise<void> {
    const details = await provider.interactionDetails(request, response);
    if (details.uid !== uid) throw new Error('interaction mismatch');
    const { params } = details;
    // The national service refuses requests without these; so does its stand-in.
    const missing = ['state', 'nonce', 'code_challenge'].filter((name) => typeof params[name] !== 'string');
    if (missing.length > 0 || params.code_challenge_method !== 'S256') {
      await provider.interactionFinished(request, response, {
        error: 'invalid_request',
        error_description: `state, nonce and PKCE (S256) are required; missing: ${missing.join(', ') || 'S256'}`,
      });
      return;
    }
    if (request.method === 'GET') {
      response.setHeader('Content-Type', 'text/html; charset=utf-8');
      response.setHeader('Cache-Control', 'no-store');
      response.end(pickerPage(uid, persons));
      return;
    }
    const form = await readForm(request);
    const person = byKey.get(form.get('person') ?? '');
    if (form.get('cancel') || !person) {
      await provider.interactionFinished(
        request,
        response,
        { error: 'access_denied', error_description: 'the person cancelled' },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    // Reading the card is the sign-in and the consent at once: grant the requested scopes now.
    const requested = String(params.scope ?? '')
      .split(' ')
      .filter((scope) => scopes.includes(scope));
    const grant = new provider.Grant({ accountId: person.sub, clientId: String(params.client_id) });
    grant.addOIDCScope(requested.join(' '));
    const grantId = await grant.save();
    await provider.interactionFinished(
      request,
      response,
      { login: { accountId: person.sub }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
  }

  handle = (request, response) => {
    const match = /^\/interaction\/([A-Za-z0-9_-]+)$/.exec((request.url ?? '').split('?')[0] ?? '');
    if (!match?.[1] || (request.method !== 'GET' && request.method !== 'POST')) {
      providerCallback(request, response);
      return;
    }
    interaction(request, response, match[1]).catch(() => {
      if (response.headersSent) return response.end();
      response.statusCode = 400;
      response.setHeader('Content-Type', 'text/html; charset=utf-8');
      response.end(
        htmlPage(
          'エラー / Error',
          '<h1>エラー / Error</h1><p>この手続きは期限が切れたか、すでに終わっています。/ This request has expired or is finished.</p>',
        ),
      );
    });
  };

  return {
    issuer,
    clientId: devOidcClientId,
    clientPrivateJwk,
    persons,
    configOverrides: {
      OIDC_ISSUER: issuer,
      OIDC_CLIENT_ID: devOidcClientId,
      OIDC_PRIVATE_KEY: JSON.stringify(clientPrivateJwk),
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
