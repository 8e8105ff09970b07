import { Secret, TOTP } from 'otpauth';
import { joinTenant } from '../../src/modules/municipalities/index.js';
import { inviteStaff } from '../../src/modules/staff/index.js';
import type { Actor } from '../../src/platform/audit.js';
import type { StaffRole } from '../../src/platform/db/schema.js';
import type { TestClient } from './client.js';
import { linkIn, signedInClient, type TestRuntime } from './runtime.js';

/** The operator command's actor: what onboards a government's first administrator. */
export const cliOperator: Actor = { kind: 'operator', id: 'cli:test' };

export async function joinTenants(runtime: TestRuntime, lgCodes: string[]): Promise<void> {
  for (const lgCode of lgCodes) await joinTenant({ db: runtime.database.db, actor: cliOperator, lgCode });
}

/** An authenticator app in a test: codes for now, or for the next 30-second step (a fresh code). */
export class TestAuthenticator {
  private readonly totp: TOTP;

  constructor(secret: string) {
    this.totp = new TOTP({
      algorithm: 'SHA1',
      digits: 6,
      period: 30,
      secret: Secret.fromBase32(secret.replace(/\s/g, '')),
    });
  }

  code(stepsAhead = 0): string {
    return this.totp.generate({ timestamp: Date.now() + stepsAhead * 30_000 });
  }

  /** The code of one 30-second step (steps count from the Unix epoch). */
  codeAt(step: number): string {
    return this.totp.generate({ timestamp: step * 30_000 + 1 });
  }

  /** A code the server has not accepted yet: the current step, or the next one if that was used. */
  codeAfter(lastUsedStep: number): string {
    return this.codeAt(Math.max(this.totp.counter(), lastUsedStep + 1));
  }
}

/** The step of the last code the server accepted for a person. */
export async function lastUsedStep(runtime: TestRuntime, personId: string): Promise<number> {
  const row = await runtime.database.db
    .selectFrom('totp_factors')
    .select('last_used_step')
    .where('person_id', '=', personId)
    .executeTakeFirstOrThrow();
  return Number(row.last_used_step);
}

/** Invites an address (as the operator command does) and returns the path of the link in the mail. */
export async function inviteByMail(
  runtime: TestRuntime,
  options: { lgCode: string; email: string; role: StaffRole; actor?: Actor },
): Promise<string> {
  const mailsBefore = runtime.mail.lastSequence();
  await inviteStaff({
    db: runtime.database.db,
    config: { PUBLIC_URL: 'http://localhost:3000' },
    actor: options.actor ?? cliOperator,
    lgCode: options.lgCode,
    input: { email: options.email, role: options.role },
  });
  const mail = await runtime.mail.waitForMail(
    options.email,
    (message) => message.sequence > mailsBefore && message.subject.includes('招待'),
  );
  return linkIn(mail.text);
}

export function tokenOf(invitationPath: string): string {
  const token = new URL(invitationPath, 'http://localhost:3000').searchParams.get('token');
  if (!token) throw new Error(`no token in ${invitationPath}`);
  return token;
}

export interface StaffSession {
  client: TestClient;
  personId: string;
  membershipId: string;
  authenticator?: TestAuthenticator;
}

/**
 * A staff member of `lgCode` as a browser holds one: invited by mail, signed in by e-mail, invitation
 * accepted, and (unless `secondFactor: false`) an authenticator app enrolled, which also proves the
 * second factor for this session.
 */
export async function signedInStaff(
  runtime: TestRuntime,
  options: { lgCode: string; email: string; role: StaffRole; secondFactor?: boolean },
): Promise<StaffSession> {
  const link = await inviteByMail(runtime, options);
  const { client, personId } = await signedInClient(runtime, options.email);
  const accepted = await client.sendJson('/api/v1/staff/invitations/accept', { token: tokenOf(link) });
  if (accepted.status !== 200) throw new Error(`accept failed: ${accepted.status} ${await accepted.text()}`);
  const { member } = (await accepted.json()) as { member: { id: string } };
  if (options.secondFactor === false) return { client, personId, membershipId: member.id };
  const authenticator = await enrolAuthenticator(client);
  return { client, personId, membershipId: member.id, authenticator };
}

export async function enrolAuthenticator(client: TestClient): Promise<TestAuthenticator> {
  const enrolment = await client.sendJson('/api/v1/staff/second-factor/totp/enrolment', undefined);
  if (enrolment.status !== 200) throw new Error(`enrolment failed: ${enrolment.status} ${await enrolment.text()}`);
  const { secret } = (await enrolment.json()) as { secret: string };
  const authenticator = new TestAuthenticator(secret);
  const confirmed = await client.sendJson('/api/v1/staff/second-factor/totp/enrolment/confirm', {
    code: authenticator.code(),
  });
  if (confirmed.status !== 204) throw new Error(`confirm failed: ${confirmed.status} ${await confirmed.text()}`);
  return authenticator;
}
