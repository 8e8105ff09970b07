import { createHmac, timingSafeEqual } from 'node:crypto';
import { isValidLgCode } from '../../platform/lg-code.js';

/**
 * The code an organiser's device shows for a session, changing every 30 seconds: proof that whoever
 * scans it stands in front of that screen now, which a screenshot passed around proves only briefly.
 *
 * Each session has its own key, HMAC-SHA256 of a context string under APP_SECRET, handed only to the
 * devices of the people who run the session. The device derives the code of each 30-second slot itself
 * (WebCrypto in the check-in island), so it keeps showing valid codes with no network at a rural venue.
 * The code is the slot number and the first 16 bytes of HMAC-SHA256(session key, slot), inside a URL of
 * this site, so that any phone camera opens the check-in page:
 *
 *   {PUBLIC_URL}/c/{lgCode}/{sessionId}/{slot}.{mac}
 *
 * A code is accepted from two slots back to one ahead of the server's slot (30–60 s of life, a little
 * clock drift either way); the organiser's page corrects its clock by the server's time when it loads.
 */
export const slotSeconds = 30;
const slotsBehind = 2;
const slotsAhead = 1;
const keyContext = 'furusato:checkin-code:v1';
const macBytes = 16;

export function slotAt(instant: Date): number {
  return Math.floor(instant.getTime() / 1000 / slotSeconds);
}

/** The session's code key (32 bytes); changing APP_SECRET changes every key. */
export function sessionCodeKey(secret: string, lgCode: string, sessionId: string): Buffer {
  return createHmac('sha256', secret).update(`${keyContext}:${lgCode}:${sessionId}`).digest();
}

export function codeMac(key: Buffer, slot: number): string {
  return createHmac('sha256', key).update(String(slot)).digest().subarray(0, macBytes).toString('base64url');
}

export function checkinCodeUrl(
  publicUrl: string,
  lgCode: string,
  sessionId: string,
  slot: number,
  mac: string,
): string {
  return `${publicUrl.replace(/\/+$/, '')}/c/${lgCode}/${sessionId}/${slot}.${mac}`;
}

export interface ParsedCheckinCode {
  lgCode: string;
  sessionId: string;
  slot: number;
  mac: string;
}

const codePath =
  /\/c\/(\d{6})\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/(\d{1,12})\.([A-Za-z0-9_-]{22})$/;

/** Reads a scanned text (the URL, or just its path) as a check-in code, or nothing if it is not one. */
export function parseCheckinCode(text: string): ParsedCheckinCode | undefined {
  const trimmed = text.trim();
  if (trimmed.length > 300) return undefined;
  let path = trimmed;
  try {
    path = new URL(trimmed).pathname;
  } catch {
    // A bare path is fine.
  }
  const match = codePath.exec(path);
  if (!match?.[1] || !match[2] || !match[3] || !match[4] || !isValidLgCode(match[1])) return undefined;
  return { lgCode: match[1], sessionId: match[2].toLowerCase(), slot: Number(match[3]), mac: match[4] };
}

export type CodeCheck = 'valid' | 'forged' | 'expired';

/** Checks the signature first (a forged code is never called merely expired), then the slot's age. */
export function checkCode(secret: string, code: ParsedCheckinCode, now: Date): CodeCheck {
  const expected = Buffer.from(codeMac(sessionCodeKey(secret, code.lgCode, code.sessionId), code.slot));
  const given = Buffer.from(code.mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'forged';
  const current = slotAt(now);
  return code.slot >= current - slotsBehind && code.slot <= current + slotsAhead ? 'valid' : 'expired';
}

/** The code a session's screen shows at an instant (for the server's own use: demo data, tests). */
export function checkinCodeAt(
  config: { APP_SECRET: string; PUBLIC_URL: string },
  lgCode: string,
  sessionId: string,
  instant: Date,
): string {
  const slot = slotAt(instant);
  return checkinCodeUrl(
    config.PUBLIC_URL,
    lgCode,
    sessionId,
    slot,
    codeMac(sessionCodeKey(config.APP_SECRET, lgCode, sessionId), slot),
  );
}
