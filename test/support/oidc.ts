import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK } from 'jose';

/**
 * Walks through the development provider as a browser would, without one: follows its redirects with
 * its cookies, picks `personKey` on the picker page (or cancels), and returns the URL the provider sends
 * the browser back to (the app's callback with code, state and iss).
 */
export async function pickDevPerson(authorizationUrl: string, personKey: string | 'cancel'): Promise<URL> {
  const cookies = new Map<string, string>();
  const go = async (url: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set('Cookie', [...cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const index = pair.indexOf('=');
      cookies.set(pair.slice(0, index).trim(), pair.slice(index + 1).trim());
    }
    return response;
  };
  const origin = new URL(authorizationUrl).origin;
  const next = (response: Response) => {
    const location = response.headers.get('location');
    if (!location) throw new Error(`provider answered ${response.status} without a redirect`);
    return new URL(location, origin).href;
  };

  const interaction = next(await go(authorizationUrl));
  const picker = await go(interaction);
  if (picker.status !== 200) throw new Error(`picker page answered ${picker.status}`);
  await picker.text();
  const chosen = await go(interaction, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: personKey === 'cancel' ? 'cancel=1' : `person=${encodeURIComponent(personKey)}`,
  });
  let url = next(chosen);
  // The provider resumes the authorization and then redirects off-site to the app.
  while (new URL(url).origin === origin) url = next(await go(url));
  return new URL(url);
}

/** How the fake provider spoils the ID token it issues. */
export type IdTokenTamper = 'none' | 'bad-signature' | 'wrong-nonce' | 'expired' | 'wrong-audience';

export interface FakePerson {
  sub: string;
  name: string;
  birthdate: string;
  address: string;
}

export interface FakeOidcProvider {
  issuer: string;
  configOverrides: Record<string, string>;
  /** Set before a flow: how the next ID tokens are spoilt. */
  tamper: IdTokenTamper;
  person: FakePerson;
  /** Client assertions the token endpoint refused (private_key_jwt checks). */
  refusedClientAssertions: number;
  /** Runs the authorization endpoint as a browser would and returns the callback URL. */
  authorize(authorizationUrl: string): Promise<URL>;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.statusCode = status;
  response.setHeader('Content-Type', 'application/json');
  response.setHeader('Cache-Control', 'no-store');
  response.end(JSON.stringify(body));
}

/**
 * A minimal OpenID Connect provider for the attack tests: it behaves correctly (PKCE, private_key_jwt,
 * a signed ID token with nonce, audience and expiry) until told to spoil the ID token in one way. The
 * client key is made here; the app gets it through `configOverrides`.
 */
export async function startFakeOidcProvider(options: { clientId?: string } = {}): Promise<FakeOidcProvider> {
  const clientId = options.clientId ?? 'furusato-test';
  const signing = await generateKeyPair('RS256', { extractable: true });
  const attacker = await generateKeyPair('RS256', { extractable: true });
  const signingPublic: JWK = { ...(await exportJWK(signing.publicKey)), kid: 'fake-1', alg: 'RS256', use: 'sig' };
  const client = await generateKeyPair('ES256', { extractable: true });
  const clientPrivate: JWK = { ...(await exportJWK(client.privateKey)), kid: 'client-1', alg: 'ES256' };
  const clientKeys = createLocalJWKSet({
    keys: [{ ...(await exportJWK(client.publicKey)), kid: 'client-1', alg: 'ES256' }],
  });
  const codes = new Map<string, { nonce: string; challenge: string; redirectUri: string }>();
  const accessTokens = new Set<string>();

  const server = createServer((request, response) => {
    handle(request, response).catch((error: Error) =>
      json(response, 500, { error: 'server_error', message: error.message }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const fake: FakeOidcProvider = {
    issuer,
    configOverrides: { OIDC_ISSUER: issuer, OIDC_CLIENT_ID: clientId, OIDC_PRIVATE_KEY: JSON.stringify(clientPrivate) },
    tamper: 'none',
    person: {
      sub: 'fake-card-0001',
      name: '試験 花子',
      birthdate: '1990-05-05',
      address: '宮城県気仙沼市八日町二丁目1番1号',
    },
    refusedClientAssertions: 0,
    async authorize(authorizationUrl) {
      const response = await fetch(authorizationUrl, { redirect: 'manual' });
      const location = response.headers.get('location');
      if (response.status !== 302 || !location) throw new Error(`authorize answered ${response.status}`);
      return new URL(location);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };

  async function idToken(nonce: string): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const times = fake.tamper === 'expired' ? { iat: now - 3600, exp: now - 1800 } : { iat: now, exp: now + 300 };
    const jwt = new SignJWT({ nonce: fake.tamper === 'wrong-nonce' ? 'a-nonce-from-another-request' : nonce })
      .setProtectedHeader({ alg: 'RS256', kid: 'fake-1', typ: 'JWT' })
      .setIssuer(issuer)
      .setSubject(fake.person.sub)
      .setAudience(fake.tamper === 'wrong-audience' ? 'another-relying-party' : clientId)
      .setIssuedAt(times.iat)
      .setExpirationTime(times.exp);
    // The forged token names the real key id but is signed with a key the provider never published.
    return jwt.sign(fake.tamper === 'bad-signature' ? attacker.privateKey : signing.privateKey);
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', issuer);
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(response, 200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        userinfo_endpoint: `${issuer}/userinfo`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
        code_challenge_methods_supported: ['S256'],
        scopes_supported: ['openid', 'name', 'address', 'birthdate'],
      });
    }
    if (url.pathname === '/jwks') return json(response, 200, { keys: [signingPublic] });
    if (url.pathname === '/authorize') {
      const params = url.searchParams;
      const code = randomBytes(16).toString('base64url');
      codes.set(code, {
        nonce: params.get('nonce') ?? '',
        challenge: params.get('code_challenge') ?? '',
        redirectUri: params.get('redirect_uri') ?? '',
      });
      const back = new URL(params.get('redirect_uri') ?? '');
      back.searchParams.set('code', code);
      back.searchParams.set('state', params.get('state') ?? '');
      response.statusCode = 302;
      response.setHeader('Location', back.href);
      return void response.end();
    }
    if (url.pathname === '/token' && request.method === 'POST') {
      const form = await readBody(request);
      try {
        await jwtVerify(form.get('client_assertion') ?? '', clientKeys, {
          issuer: clientId,
          subject: clientId,
          audience: [issuer, `${issuer}/token`],
        });
      } catch {
        fake.refusedClientAssertions += 1;
        return json(response, 401, { error: 'invalid_client' });
      }
      const grant = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      const verifier = form.get('code_verifier') ?? '';
      if (
        !grant ||
        grant.redirectUri !== form.get('redirect_uri') ||
        createHash('sha256').update(verifier).digest('base64url') !== grant.challenge
      ) {
        return json(response, 400, { error: 'invalid_grant' });
      }
      const accessToken = randomBytes(16).toString('base64url');
      accessTokens.add(accessToken);
      return json(response, 200, {
        access_token: accessToken,
        token_type: 'Bearer',
        expires_in: 300,
        id_token: await idToken(grant.nonce),
      });
    }
    if (url.pathname === '/userinfo') {
      const token = (request.headers.authorization ?? '').replace(/^Bearer /, '');
      if (!accessTokens.has(token)) return json(response, 401, { error: 'invalid_token' });
      const { sub, name, birthdate, address } = fake.person;
      return json(response, 200, { sub, name, birthdate, address: { formatted: address } });
    }
    return json(response, 404, { error: 'not_found' });
  }

  return fake;
}
