import { createECDH, randomBytes, type ECDH } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decrypt } from 'http_ece';
import { importJWK, jwtVerify } from 'jose';

export interface ReceivedPush {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The decrypted payload (RFC 8291, aes128gcm), parsed as JSON. */
  message: Record<string, unknown>;
  /** The VAPID JWT's claims, after checking its signature against the `k` key of the same header. */
  vapid: { aud: string; sub: string; exp: number; publicKey: string };
}

/** A browser's side of a subscription: its key pair and auth secret, and the JSON it would send us. */
export interface TestSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  ecdh: ECDH;
  authSecret: Buffer;
}

/**
 * A push service on loopback, speaking the real protocol: it checks the VAPID signature (RFC 8292) and
 * decrypts the payload with the subscription's private key (RFC 8291) as a browser would. `status`
 * decides what it answers (201, or 410 for an expired subscription).
 */
export async function startPushService() {
  const received: ReceivedPush[] = [];
  const keys = new Map<string, { ecdh: ECDH; authSecret: Buffer }>();
  const statuses = new Map<string, number>();
  const waiters = new Set<() => void>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      const status = statuses.get(path) ?? 201;
      const key = keys.get(path);
      handle(path, Buffer.concat(chunks), request.headers, key)
        .then((push) => {
          if (push) received.push(push);
          for (const wake of waiters) wake();
          response.writeHead(push ? status : 400).end();
        })
        .catch(() => response.writeHead(400).end());
    });
  });
  async function handle(
    path: string,
    body: Buffer,
    headers: ReceivedPush['headers'],
    key: { ecdh: ECDH; authSecret: Buffer } | undefined,
  ): Promise<ReceivedPush | undefined> {
    if (!key || headers['content-encoding'] !== 'aes128gcm') return undefined;
    const authorization = String(headers.authorization ?? '');
    const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(authorization);
    if (!match?.[1] || !match[2]) return undefined;
    const raw = Buffer.from(match[2], 'base64url');
    const jwk = {
      kty: 'EC',
      crv: 'P-256',
      x: raw.subarray(1, 33).toString('base64url'),
      y: raw.subarray(33, 65).toString('base64url'),
    };
    const { payload } = await jwtVerify(match[1], await importJWK(jwk, 'ES256'));
    const message = JSON.parse(
      decrypt(body, { version: 'aes128gcm', privateKey: key.ecdh, authSecret: key.authSecret }).toString('utf8'),
    ) as Record<string, unknown>;
    return {
      path,
      headers,
      message,
      vapid: {
        aud: String(payload.aud),
        sub: String(payload.sub),
        exp: Number(payload.exp),
        publicKey: match[2],
      },
    };
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let next = 0;
  return {
    origin,
    received,
    /** A new subscription as a browser would make one, at a fresh path of this service. */
    subscription(): TestSubscription {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const authSecret = randomBytes(16);
      next += 1;
      const path = `/push/${next}`;
      keys.set(path, { ecdh, authSecret });
      return {
        endpoint: `${origin}${path}`,
        keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: authSecret.toString('base64url') },
        ecdh,
        authSecret,
      };
    },
    answer(endpoint: string, status: number) {
      statuses.set(new URL(endpoint).pathname, status);
    },
    waitFor(endpoint: string, count = 1, timeoutMs = 10_000): Promise<ReceivedPush[]> {
      const path = new URL(endpoint).pathname;
      const found = () => received.filter((push) => push.path === path);
      return new Promise((resolve, reject) => {
        const check = () => {
          if (found().length < count) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found());
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no push to ${path} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
