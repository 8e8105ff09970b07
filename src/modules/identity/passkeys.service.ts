import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { personSubject, recordPersonAuditEvent } from '../../platform/audit.js';
import { consumeRateLimit } from '../../platform/auth/rate-limit.js';
import { pseudonym } from '../../platform/auth/secrets.js';
import { createSession, deviceLabelOf, markSecondFactor, type CurrentSession } from '../../platform/auth/sessions.js';
import type { Config } from '../../platform/config.js';
import type { Database } from '../../platform/db/schema.js';
import { AppError } from '../../platform/errors.js';
import { registerPersonalData } from '../../platform/privacy.js';
import * as repository from './passkeys.repository.js';

/** How long a browser has to finish one ceremony (the authenticator's prompt included). */
export const passkeyChallengeMinutes = 5;
/** Enough for every phone, computer and security key a person owns; bounds the exclude list. */
export const maxPasskeysPerPerson = 20;

const signInRateLimit = { limit: 10, windowSeconds: 15 * 60 };
const secondFactorRateLimit = { limit: 10, windowSeconds: 15 * 60 };
const knownTransports: readonly AuthenticatorTransportFuture[] = [
  'ble',
  'cable',
  'hybrid',
  'internal',
  'nfc',
  'smart-card',
  'usb',
];

export const PasskeyLabel = z
  .string()
  .trim()
  .min(1, { message: '名前を入力してください / enter a name' })
  .max(50, { message: '50文字以内で入力してください / at most 50 characters' });

// What the person may see of their passkeys (not the public keys: they identify nothing and mean
// nothing to a reader); deleting the account deletes them, so the account can no longer be signed in to.
registerPersonalData({
  name: 'passkeys',
  async export(db, personId) {
    return (await repository.listPasskeysOfPerson(db, personId)).map((row) => ({
      ...toView(row),
      transports: row.transports,
    }));
  },
  async erase(trx, personId) {
    await repository.deletePasskeyDataOfPerson(trx, personId);
  },
});

interface RequestContext {
  db: Kysely<Database>;
  config: Config;
  requestId?: string;
}

/**
 * What a browser sends back from `navigator.credentials.create()`, as @simplewebauthn/browser encodes
 * it. Transports are free strings here: browsers add new ones, and an unknown one must not fail a
 * registration (unknown ones are dropped).
 */
export interface RegistrationCredentialInput {
  id: string;
  rawId: string;
  type: 'public-key';
  authenticatorAttachment?: 'platform' | 'cross-platform' | undefined;
  response: {
    clientDataJSON: string;
    attestationObject: string;
    authenticatorData?: string | undefined;
    transports?: string[] | undefined;
    publicKeyAlgorithm?: number | undefined;
    publicKey?: string | undefined;
  };
}

/** What a browser sends back from `navigator.credentials.get()`. */
export interface AuthenticationCredentialInput {
  id: string;
  rawId: string;
  type: 'public-key';
  authenticatorAttachment?: 'platform' | 'cross-platform' | undefined;
  response: {
    clientDataJSON: string;
    authenticatorData: string;
    signature: string;
    userHandle?: string | undefined;
  };
}

/** A passkey as its owner sees it. */
export interface PasskeyView {
  id: string;
  label: string;
  /** Synced between devices (multiDevice) or bound to one authenticator (singleDevice). */
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** A started ceremony: the options for the browser, and the challenge row the cookie must name. */
export interface PasskeyCeremony<Options> {
  challengeId: string;
  options: Options;
  expiresAt: Date;
}

/**
 * The relying party is this site as PUBLIC_URL names it: the RP ID is its host name (a passkey made for
 * furusato.example works on furusato.example only), and responses must come from exactly its origin.
 */
export function relyingPartyOf(config: Config): { rpID: string; origin: string; rpName: string } {
  const url = new URL(config.PUBLIC_URL);
  return { rpID: url.hostname, origin: url.origin, rpName: 'ふるさと住民登録' };
}

/**
 * The WebAuthn user handle: the 16 bytes of the person id. Opaque to the authenticator (no address or
 * name inside), stable, and lets sign-in check that a credential came back with the handle it was
 * made for.
 */
function userHandleOf(personId: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(personId.replaceAll('-', ''), 'hex'));
}

function toView(row: repository.PasskeyRow): PasskeyView {
  return {
    id: row.id,
    label: row.label,
    deviceType: row.device_type,
    backedUp: row.backed_up,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}

function transportsOf(values: readonly string[] | undefined): AuthenticatorTransportFuture[] {
  return knownTransports.filter((transport) => values?.includes(transport));
}

function credentialOf(row: repository.PasskeyRow) {
  return {
    id: row.id,
    publicKey: new Uint8Array(row.public_key),
    counter: Number(row.counter),
    transports: transportsOf(row.transports),
  };
}

async function startCeremony<Options extends { challenge: string }>(
  db: Kysely<Database>,
  purpose: 'register' | 'authenticate',
  personId: string | null,
  options: Options,
): Promise<PasskeyCeremony<Options>> {
  const challengeId = uuidv7();
  const expiresAt = new Date(Date.now() + passkeyChallengeMinutes * 60 * 1000);
  await repository.insertChallenge(db, { id: challengeId, purpose, personId, challenge: options.challenge, expiresAt });
  return { challengeId, options, expiresAt };
}

/**
 * Takes the challenge the cookie names, once. Consumed before the response is checked, so each
 * challenge allows one attempt whatever its outcome: a replayed or retried response needs a new one.
 */
async function takeChallenge(
  db: Kysely<Database>,
  challengeId: string | undefined,
  purpose: 'register' | 'authenticate',
  personId: string | null,
): Promise<string | undefined> {
  if (!challengeId || !z.uuid().safeParse(challengeId).success) return undefined;
  return repository.consumeChallenge(db, { id: challengeId, purpose, personId });
}

/**
 * Why a WebAuthn response was refused, as a short code for the audit trail. @simplewebauthn/server
 * says why only in its error messages; the tests pin the codes, so a change of wording shows there.
 */
function refusalReason(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  if (/counter/i.test(message)) return 'counter_regression';
  if (/origin/i.test(message)) return 'wrong_origin';
  if (/challenge/i.test(message)) return 'wrong_challenge';
  if (/RP ID/i.test(message)) return 'wrong_rp_id';
  if (/user verification|user not present/i.test(message)) return 'no_user_presence';
  return 'invalid_response';
}

function toRegistrationResponse(input: RegistrationCredentialInput): RegistrationResponseJSON {
  const { response } = input;
  return {
    id: input.id,
    rawId: input.rawId,
    type: input.type,
    ...(input.authenticatorAttachment ? { authenticatorAttachment: input.authenticatorAttachment } : {}),
    // Extension outputs are not relied on: credProps is advisory, and nothing else is requested.
    clientExtensionResults: {},
    response: {
      clientDataJSON: response.clientDataJSON,
      attestationObject: response.attestationObject,
      transports: transportsOf(response.transports),
      ...(response.authenticatorData ? { authenticatorData: response.authenticatorData } : {}),
      ...(response.publicKeyAlgorithm !== undefined ? { publicKeyAlgorithm: response.publicKeyAlgorithm } : {}),
      ...(response.publicKey ? { publicKey: response.publicKey } : {}),
    },
  };
}

function toAuthenticationResponse(input: AuthenticationCredentialInput): AuthenticationResponseJSON {
  const { response } = input;
  return {
    id: input.id,
    rawId: input.rawId,
    type: input.type,
    ...(input.authenticatorAttachment ? { authenticatorAttachment: input.authenticatorAttachment } : {}),
    clientExtensionResults: {},
    response: {
      clientDataJSON: response.clientDataJSON,
      authenticatorData: response.authenticatorData,
      signature: response.signature,
      ...(response.userHandle ? { userHandle: response.userHandle } : {}),
    },
  };
}

/** The person's passkeys, oldest first. */
export async function listMyPasskeys(options: { db: Kysely<Database>; personId: string }): Promise<PasskeyView[]> {
  return (await repository.listPasskeysOfPerson(options.db, options.personId)).map(toView);
}

/**
 * Starts adding a passkey for the signed-in person. The passkey must be discoverable (resident key
 * required) so that it can later sign in without an e-mail address being typed; the person's existing
 * passkeys are excluded, so the same authenticator is not registered twice.
 */
export async function startPasskeyRegistration(
  options: RequestContext & { session: CurrentSession },
): Promise<PasskeyCeremony<PublicKeyCredentialCreationOptionsJSON>> {
  const { db, config, session } = options;
  const existing = await repository.listPasskeysOfPerson(db, session.personId);
  if (existing.length >= maxPasskeysPerPerson) throw tooManyPasskeys();
  const { rpID, rpName } = relyingPartyOf(config);
  const creationOptions = await generateRegistrationOptions({
    rpName,
    rpID,
    userID: userHandleOf(session.personId),
    userName: session.email,
    userDisplayName: session.displayName ?? session.email,
    timeout: passkeyChallengeMinutes * 60 * 1000,
    attestationType: 'none',
    excludeCredentials: existing.map((row) => ({ id: row.id, transports: transportsOf(row.transports) })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
  });
  return startCeremony(db, 'register', session.personId, creationOptions);
}

function tooManyPasskeys(): AppError {
  return new AppError('conflict', {
    detail: {
      ja: `パスキーは${maxPasskeysPerPerson}個まで登録できます。使わないパスキーを削除してから追加してください。`,
      en: `You can register up to ${maxPasskeysPerPerson} passkeys. Remove one you no longer use first.`,
    },
  });
}

const registrationRejected = () =>
  new AppError('passkey_rejected', {
    detail: {
      ja: 'パスキーを登録できませんでした。もう一度お試しください。',
      en: 'The passkey could not be registered. Please try again.',
    },
  });

/**
 * Verifies the browser's answer to `startPasskeyRegistration` against the challenge the cookie names
 * and stores the passkey with the label the person chose (or the browser's name when none was given).
 */
export async function completePasskeyRegistration(
  options: RequestContext & {
    session: CurrentSession;
    challengeId: string | undefined;
    credential: RegistrationCredentialInput;
    label?: string;
    userAgent?: string;
  },
): Promise<PasskeyView> {
  const { db, config, session } = options;
  const typed = options.label?.trim() ? PasskeyLabel.parse(options.label) : undefined;
  const label = typed ?? (deviceLabelOf(options.userAgent) || 'パスキー');
  const expectedChallenge = await takeChallenge(db, options.challengeId, 'register', session.personId);
  if (!expectedChallenge) throw new AppError('passkey_challenge_invalid');

  const { rpID, origin } = relyingPartyOf(config);
  let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verification = await verifyRegistrationResponse({
      response: toRegistrationResponse(options.credential),
      expectedChallenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      // 'preferred' at creation: an authenticator without a PIN or biometrics may still be added; whether
      // a later sign-in with it counts as two factors is decided per use (see completePasskeySignIn).
      requireUserVerification: false,
    });
  } catch (error) {
    throw new AppError('passkey_rejected', { detail: registrationRejected().detail, cause: error });
  }
  if (!verification.verified) throw registrationRejected();
  const info = verification.registrationInfo;

  return db.transaction().execute(async (trx) => {
    if (await repository.passkeyExists(trx, info.credential.id)) throw new AppError('passkey_already_registered');
    if ((await repository.countPasskeysOfPerson(trx, session.personId)) >= maxPasskeysPerPerson) {
      throw tooManyPasskeys();
    }
    const row = await repository.insertPasskey(trx, {
      id: info.credential.id,
      personId: session.personId,
      publicKey: info.credential.publicKey,
      counter: info.credential.counter,
      transports: transportsOf(info.credential.transports),
      deviceType: info.credentialDeviceType,
      backedUp: info.credentialBackedUp,
      label,
    });
    await recordPersonAuditEvent(trx, {
      subject: personSubject(session.personId),
      action: 'person.passkey_added',
      data: { passkeyId: row.id, deviceType: row.device_type, backedUp: row.backed_up },
      ...(options.requestId ? { requestId: options.requestId } : {}),
    });
    return toView(row);
  });
}

export async function renameMyPasskey(
  options: RequestContext & { personId: string; passkeyId: string; label: string },
): Promise<void> {
  const label = PasskeyLabel.parse(options.label);
  await options.db.transaction().execute(async (trx) => {
    if (!(await repository.renamePasskey(trx, { id: options.passkeyId, personId: options.personId, label }))) {
      throw new AppError('not_found');
    }
    await recordPersonAuditEvent(trx, {
      subject: personSubject(options.personId),
      action: 'person.passkey_renamed',
      data: { passkeyId: options.passkeyId },
      ...(options.requestId ? { requestId: options.requestId } : {}),
    });
  });
}

/** Removes one of the person's passkeys. Another person's passkey is a 404, like one that never existed. */
export async function removeMyPasskey(
  options: RequestContext & { personId: string; passkeyId: string },
): Promise<void> {
  await options.db.transaction().execute(async (trx) => {
    if (!(await repository.deletePasskey(trx, { id: options.passkeyId, personId: options.personId }))) {
      throw new AppError('not_found');
    }
    await recordPersonAuditEvent(trx, {
      subject: personSubject(options.personId),
      action: 'person.passkey_removed',
      data: { passkeyId: options.passkeyId },
      ...(options.requestId ? { requestId: options.requestId } : {}),
    });
  });
}

/**
 * Starts a sign-in with any discoverable passkey of this site: no allow list, so the browser offers
 * the person's passkeys and nobody types an address (nor learns whether one has an account).
 */
export async function startPasskeySignIn(
  options: RequestContext,
): Promise<PasskeyCeremony<PublicKeyCredentialRequestOptionsJSON>> {
  const requestOptions = await generateAuthenticationOptions({
    rpID: relyingPartyOf(options.config).rpID,
    userVerification: 'preferred',
    timeout: passkeyChallengeMinutes * 60 * 1000,
  });
  return startCeremony(options.db, 'authenticate', null, requestOptions);
}

export interface PasskeySignedIn {
  token: string;
  expiresAt: Date;
  personId: string;
  /** True when the authenticator verified the person (PIN, biometrics): then the session has two factors. */
  secondFactor: boolean;
}

interface CheckedAssertion {
  userVerified: boolean;
  newCounter: number;
  backedUp: boolean;
  deviceType: 'singleDevice' | 'multiDevice';
}

/**
 * Checks an assertion against a stored passkey: challenge, origin, RP ID, user presence, signature,
 * user handle and counter. Pure computation, kept out of any transaction. Returns the refusal reason
 * instead of throwing, so the caller can audit it in a write of its own that a rollback cannot undo.
 */
async function checkAssertion(options: {
  config: Config;
  passkey: repository.PasskeyRow;
  credential: AuthenticationCredentialInput;
  expectedChallenge: string;
}): Promise<CheckedAssertion | { refused: string }> {
  const { passkey, credential, config } = options;
  const expectedHandle = Buffer.from(userHandleOf(passkey.person_id)).toString('base64url');
  if (credential.response.userHandle && credential.response.userHandle !== expectedHandle) {
    return { refused: 'user_handle_mismatch' };
  }
  const { rpID, origin } = relyingPartyOf(config);
  let result: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
  try {
    result = await verifyAuthenticationResponse({
      response: toAuthenticationResponse(credential),
      expectedChallenge: options.expectedChallenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      credential: credentialOf(passkey),
      requireUserVerification: false,
    });
  } catch (error) {
    return { refused: refusalReason(error) };
  }
  if (!result.verified) return { refused: 'bad_signature' };
  const info = result.authenticationInfo;
  return {
    userVerified: info.userVerified,
    newCounter: info.newCounter,
    backedUp: info.credentialBackedUp,
    deviceType: info.credentialDeviceType,
  };
}

/**
 * Records the use in the caller's transaction. The library already refused a counter that does not
 * rise; the write checks it again atomically, against a concurrent use of a cloned credential.
 */
async function recordUse(trx: Kysely<Database>, passkeyId: string, checked: CheckedAssertion): Promise<boolean> {
  return repository.recordPasskeyUse(trx, {
    id: passkeyId,
    counter: checked.newCounter,
    backedUp: checked.backedUp,
    deviceType: checked.deviceType,
  });
}

const signInRefused = () => new AppError('passkey_rejected');

/**
 * Signs in with a discoverable passkey. A passkey whose authenticator verified the person (user
 * verification: PIN or biometrics on the device) is something the person has and something they are
 * or know, bound to this site's origin and so not phishable: the session counts as having a second
 * factor. Without user verification it is one factor, like an e-mailed link.
 * Attempts per credential are rate-limited; refusals are audited without personal data.
 */
export async function completePasskeySignIn(
  options: RequestContext & {
    challengeId: string | undefined;
    credential: AuthenticationCredentialInput;
    userAgent?: string;
  },
): Promise<PasskeySignedIn> {
  const { db, config, credential } = options;
  const requestId = options.requestId ? { requestId: options.requestId } : {};
  await consumeRateLimit(db, `passkey-sign-in:${pseudonym(config.APP_SECRET, credential.id)}`, signInRateLimit);

  const expectedChallenge = await takeChallenge(db, options.challengeId, 'authenticate', null);
  const passkey = await repository.findUsablePasskey(db, { id: credential.id });
  const refuse = async (reason: string, error: AppError = signInRefused()) => {
    await recordPersonAuditEvent(db, {
      subject: passkey ? personSubject(passkey.person_id) : `passkey:${pseudonym(config.APP_SECRET, credential.id)}`,
      action: 'person.sign_in_failed',
      data: { method: 'passkey', reason },
      ...requestId,
    });
    return error;
  };
  if (!expectedChallenge) throw await refuse('challenge_unusable', new AppError('passkey_challenge_invalid'));
  if (!passkey) throw await refuse('unknown_credential');

  const checked = await checkAssertion({ config, passkey, credential, expectedChallenge });
  if ('refused' in checked) throw await refuse(checked.refused);

  const outcome = await db.transaction().execute(async (trx) => {
    if (!(await recordUse(trx, passkey.id, checked))) return undefined;
    const session = await createSession(trx, {
      personId: passkey.person_id,
      method: 'passkey',
      days: config.SESSION_DAYS,
      secondFactor: checked.userVerified,
      ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    });
    await recordPersonAuditEvent(trx, {
      subject: personSubject(passkey.person_id),
      action: 'person.signed_in',
      data: { method: 'passkey', passkeyId: passkey.id, userVerified: checked.userVerified },
      ...requestId,
    });
    return { token: session.token, expiresAt: session.expiresAt, secondFactor: checked.userVerified };
  });
  if (!outcome) throw await refuse('counter_regression');
  return { ...outcome, personId: passkey.person_id };
}

/**
 * Starts proving a second factor in an existing session (for staff work after an e-mail sign-in): the
 * browser may only answer with one of this person's passkeys.
 */
export async function startPasskeySecondFactor(
  options: RequestContext & { session: CurrentSession },
): Promise<PasskeyCeremony<PublicKeyCredentialRequestOptionsJSON>> {
  const { db, config, session } = options;
  const passkeys = await repository.listPasskeysOfPerson(db, session.personId);
  if (passkeys.length === 0) {
    throw new AppError('not_found', {
      detail: {
        ja: 'パスキーが登録されていません。アカウントのページでパスキーを追加してください。',
        en: 'You have no passkey yet. Add one on your account page.',
      },
    });
  }
  const requestOptions = await generateAuthenticationOptions({
    rpID: relyingPartyOf(config).rpID,
    allowCredentials: passkeys.map((row) => ({ id: row.id, transports: transportsOf(row.transports) })),
    userVerification: 'preferred',
    timeout: passkeyChallengeMinutes * 60 * 1000,
  });
  return startCeremony(db, 'authenticate', session.personId, requestOptions);
}

/**
 * Completes the second factor: the assertion must come from one of the session person's own passkeys
 * and answer a challenge issued to that person. Then the session is marked (`second_factor_at`).
 * Possession of the passkey suffices here (user presence); the first factor was the sign-in itself.
 */
export async function completePasskeySecondFactor(
  options: RequestContext & {
    session: CurrentSession;
    challengeId: string | undefined;
    credential: AuthenticationCredentialInput;
  },
): Promise<{ secondFactorAt: Date }> {
  const { db, config, session, credential } = options;
  const requestId = options.requestId ? { requestId: options.requestId } : {};
  await consumeRateLimit(db, `passkey-second-factor:${session.sessionId}`, secondFactorRateLimit);
  const expectedChallenge = await takeChallenge(db, options.challengeId, 'authenticate', session.personId);
  const passkey = await repository.findUsablePasskey(db, { id: credential.id, personId: session.personId });
  const refuse = async (reason: string, error: AppError = new AppError('passkey_rejected')) => {
    await recordPersonAuditEvent(db, {
      subject: personSubject(session.personId),
      action: 'person.second_factor_failed',
      data: { method: 'passkey', reason },
      ...requestId,
    });
    return error;
  };
  if (!expectedChallenge) throw await refuse('challenge_unusable', new AppError('passkey_challenge_invalid'));
  if (!passkey) throw await refuse('unknown_credential');

  const checked = await checkAssertion({ config, passkey, credential, expectedChallenge });
  if ('refused' in checked) throw await refuse(checked.refused);

  const outcome = await db.transaction().execute(async (trx) => {
    if (!(await recordUse(trx, passkey.id, checked))) return undefined;
    await markSecondFactor(trx, session.sessionId);
    await recordPersonAuditEvent(trx, {
      subject: personSubject(session.personId),
      action: 'person.second_factor_verified',
      data: { method: 'passkey', passkeyId: passkey.id, userVerified: checked.userVerified },
      ...requestId,
    });
    return { secondFactorAt: new Date() };
  });
  if (!outcome) throw await refuse('counter_regression');
  return outcome;
}
