import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { recordAuditEvent, type Actor } from '../../platform/audit.js';
import type { Config } from '../../platform/config.js';
import type { ActivitySessionRow, AttendanceMethod, Database } from '../../platform/db/schema.js';
import { withPerson, withTenant, type TenantScope } from '../../platform/db/tenant-scope.js';
import { AppError, parseInput } from '../../platform/errors.js';
import { fiscalYearOf, fiscalYearRange, japanDate } from '../../platform/time.js';
import { cardTokenIn, identifyCardHolder, refreshLongStay, type CardInvalidReason } from '../registrations/index.js';
import { findManagedProject, findManagedSession } from './activities.access.js';
import { sessionDays, sessionTimeText } from './activities.format.js';
import { authorizeActivities, isGovernmentStaff, organisationOf } from './activities.policy.js';
import * as applications from './applications.repository.js';
import { describeSessions } from './applications.service.js';
import * as repository from './attendance.repository.js';
import {
  checkCode,
  checkinCodeUrl,
  codeMac,
  parseCheckinCode,
  sessionCodeKey,
  slotAt,
  slotSeconds,
} from './checkin-code.js';
import * as organisations from './organisations.repository.js';
import * as projects from './projects.repository.js';

/**
 * Attendance (L5910: captured by QR or a similarly simple mechanism). Three ways in, one rule:
 * - the participant scans the code on the organiser's screen (`checkInWithCode`);
 * - the organiser scans the participant's 登録証 (`recordCardScan`), online or from the offline queue;
 * - the organiser records it by hand (`recordAttendanceByHand`), and removes a wrong one with a reason.
 * One row per person, session and Japan calendar day: the same person is never counted twice for a day,
 * and a resent offline scan finds its first recording. Check-in is open from 30 minutes before the start
 * to 30 minutes after the end. Each row keeps whether the project counted for premium that day.
 */

export const checkinOpensBeforeMs = 30 * 60 * 1000;
export const checkinClosesAfterMs = 30 * 60 * 1000;
/** How long an offline device may hold a scan before sending it. */
export const offlineScanMaxAgeMs = 72 * 60 * 60 * 1000;
/** How far ahead of the server a device clock may run. */
const deviceClockSkewMs = 2 * 60 * 1000;

export type CheckinResult = 'recorded' | 'already_present';

export interface RecordedAttendance {
  result: CheckinResult;
  attendanceId: string;
  lgCode: string;
  sessionId: string;
  projectId: string;
  projectTitle: string;
  activityDate: string;
  designated: boolean;
  sharedName: string | null;
}

function windowText(session: Pick<ActivitySessionRow, 'starts_at' | 'ends_at'>) {
  const opens = new Date(session.starts_at.getTime() - checkinOpensBeforeMs);
  const closes = new Date(session.ends_at.getTime() + checkinClosesAfterMs);
  return { ja: sessionTimeText(opens, closes, 'ja'), en: sessionTimeText(opens, closes, 'en') };
}

/** The Japan day a scan counts for: the session's first or last day for scans just before or after it. */
export function activityDateOf(session: Pick<ActivitySessionRow, 'starts_at' | 'ends_at'>, scannedAt: Date): string {
  const clamped = Math.min(Math.max(scannedAt.getTime(), session.starts_at.getTime()), session.ends_at.getTime() - 1);
  return japanDate(new Date(clamped));
}

/**
 * The one place a person becomes present: checks the session and the time, then inserts the row (or
 * finds the one there is), in the caller's tenant transaction, with its audit event.
 */
async function recordPresence(
  scope: TenantScope,
  options: {
    actor: Actor;
    session: ActivitySessionRow;
    project: projects.ProjectRecord;
    personId: string;
    method: AttendanceMethod;
    scannedAt: Date;
    recordedBy: string;
    clientScanId?: string;
    activityDate?: string;
    fallbackName?: string | null;
    checkWindow: boolean;
    now: Date;
  },
): Promise<RecordedAttendance> {
  const { session, project } = options;
  if (options.clientScanId) {
    const earlier = await repository.findByClientScanId(scope, options.clientScanId);
    if (earlier) return resultOf('already_present', earlier, project, scope.lgCode);
  }
  if (session.status === 'cancelled') throw new AppError('session_cancelled');
  if (options.checkWindow) {
    const opens = session.starts_at.getTime() - checkinOpensBeforeMs;
    const closes = session.ends_at.getTime() + checkinClosesAfterMs;
    if (options.scannedAt.getTime() < opens || options.scannedAt.getTime() > closes) {
      const hours = windowText(session);
      throw new AppError('checkin_outside_window', {
        detail: {
          ja: `この回のチェックインの受付時間外です。受付時間: ${hours.ja}`,
          en: `Check-in for this session is not open now. Open: ${hours.en}`,
        },
      });
    }
  }
  const activityDate = options.activityDate ?? activityDateOf(session, options.scannedAt);
  const shared = await repository.findSharedName(scope, session.id, options.personId);
  const name = shared.name ?? options.fallbackName ?? null;
  const designated = Boolean(project.effectively_designated);
  const inserted = await repository.insertAttendance(scope, {
    id: uuidv7(),
    session_id: session.id,
    project_id: project.id,
    person_id: options.personId,
    registration_id: shared.registrationId,
    activity_date: activityDate,
    method: options.method,
    designated,
    shared_name: name,
    scanned_at: options.scannedAt,
    recorded_by: options.recordedBy,
    client_scan_id: options.clientScanId ?? null,
  });
  if (!inserted) {
    const existing =
      (options.clientScanId ? await repository.findByClientScanId(scope, options.clientScanId) : undefined) ??
      (await repository.findPresentOn(scope, session.id, options.personId, activityDate));
    if (!existing) throw new AppError('conflict');
    return resultOf('already_present', existing, project, scope.lgCode);
  }
  await recordAuditEvent(scope, {
    actor: options.actor,
    action: 'attendance.recorded',
    subjectType: 'attendance',
    subjectId: inserted.id,
    data: { sessionId: session.id, method: options.method, activityDate, designated },
  });
  // A new day present may give a premium registrant the long-stay mark on their card.
  await refreshLongStay({ scope, personId: options.personId, now: options.now });
  return {
    result: 'recorded',
    attendanceId: inserted.id,
    lgCode: scope.lgCode,
    sessionId: session.id,
    projectId: project.id,
    projectTitle: project.title,
    activityDate,
    designated,
    sharedName: name,
  };
}

function resultOf(
  result: CheckinResult,
  row: { id: string; session_id: string; activity_date: string; designated: boolean; shared_name: string | null },
  project: Pick<projects.ProjectRecord, 'id' | 'title'>,
  lgCode: string,
): RecordedAttendance {
  return {
    result,
    attendanceId: row.id,
    lgCode,
    sessionId: row.session_id,
    projectId: project.id,
    projectTitle: project.title,
    activityDate: row.activity_date,
    designated: row.designated,
    sharedName: row.shared_name,
  };
}

/** What an organiser's device needs to show the changing code of one session. */
export async function getSessionCodeKey(options: {
  db: Kysely<Database>;
  config: Pick<Config, 'APP_SECRET' | 'PUBLIC_URL'>;
  actor: Actor;
  lgCode: string;
  sessionId: string;
  now?: Date;
}) {
  authorizeActivities(options.actor, options.lgCode, true);
  const now = options.now ?? new Date();
  const { session, project } = await withTenant(options.db, options.lgCode, (scope) =>
    findManagedSession(scope, options.actor, options.sessionId),
  );
  const key = sessionCodeKey(options.config.APP_SECRET, options.lgCode, session.id);
  const slot = slotAt(now);
  return {
    sessionId: session.id,
    lgCode: options.lgCode,
    projectTitle: project.title,
    startsAt: session.starts_at,
    endsAt: session.ends_at,
    status: session.status,
    /** base64url; the device derives the code of each slot from it (see checkin-code.ts). */
    key: key.toString('base64url'),
    slotSeconds,
    serverTime: now,
    codeBase: checkinCodeUrl(options.config.PUBLIC_URL, options.lgCode, session.id, 0, '').replace(/0\.$/, ''),
    currentCode: checkinCodeUrl(options.config.PUBLIC_URL, options.lgCode, session.id, slot, codeMac(key, slot)),
  };
}

/** The code as it is now, checked; what the participant's scan proves before they are signed in. */
export function readCheckinCode(config: Pick<Config, 'APP_SECRET'>, text: string, now: Date) {
  const code = parseCheckinCode(text);
  if (!code) throw new AppError('checkin_code_invalid');
  const check = checkCode(config.APP_SECRET, code, now);
  if (check === 'forged') throw new AppError('checkin_code_invalid');
  if (check === 'expired') throw new AppError('checkin_code_expired');
  return code;
}

/**
 * A participant checks in by the code they scanned on the organiser's screen. `expectedSessionId` is the
 * session they chose to check in to (from their applications), and a code of another session is refused.
 * `seenAt` is when the server first saw this code valid (a scan that went through sign-in first).
 */
export async function checkInWithCode(options: {
  db: Kysely<Database>;
  config: Pick<Config, 'APP_SECRET'>;
  personId: string;
  code: string;
  expectedSessionId?: string;
  seenAt?: Date;
  requestId?: string;
  now?: Date;
}): Promise<RecordedAttendance> {
  const now = options.now ?? new Date();
  const scannedAt = options.seenAt ?? now;
  const code = readCheckinCode(options.config, options.code, scannedAt);
  if (options.expectedSessionId && options.expectedSessionId.toLowerCase() !== code.sessionId) {
    throw new AppError('checkin_wrong_session');
  }
  const person = await organisations.findPersonContact(options.db, options.personId);
  if (!person) throw new AppError('unauthenticated');
  const actor: Actor = {
    kind: 'person',
    id: options.personId,
    ...(options.requestId ? { requestId: options.requestId } : {}),
  };
  return withTenant(options.db, code.lgCode, async (scope) => {
    const session = await projects.findSession(scope, code.sessionId);
    const project = session ? await projects.findProject(scope, session.project_id) : undefined;
    if (!session || !project) throw new AppError('checkin_code_invalid');
    return recordPresence(scope, {
      actor,
      session,
      project,
      personId: options.personId,
      method: 'session_qr',
      scannedAt,
      recordedBy: 'self',
      fallbackName: person.display_name,
      checkWindow: true,
      now,
    });
  });
}

const cardReasonText: Record<CardInvalidReason, { ja: string; en: string }> = {
  malformed: {
    ja: '登録証のQRコードではないようです。参加者に登録証の画面を開いてもらってください。',
    en: 'This does not look like a registration card code. Ask the person to open their card.',
  },
  bad_signature: {
    ja: 'この登録証は確認できませんでした（偽造の可能性があります）。',
    en: 'This card could not be verified (it may be forged).',
  },
  expired: {
    ja: '登録証のQRコードの有効期限（5分）が切れています。登録証の画面を開き直してもらってください。',
    en: 'The card code has expired (5 minutes). Ask the person to reopen their card.',
  },
  registration_ended: {
    ja: 'この登録証の登録は終了しています。',
    en: 'The registration of this card has ended.',
  },
  premium_expired: {
    ja: 'この登録証は有効期限が切れています。',
    en: 'This card has expired.',
  },
};

export const CardScanInput = z.object({
  /** What the scanner read: the card's verify URL, or the bare token. */
  scanned: z.string().min(1).max(2048),
  /** When the device scanned it (offline scans arrive later); default now. */
  scannedAt: z.iso.datetime({ offset: true }).optional(),
  /** The device's id for this scan: sending it again records nothing new. */
  clientScanId: z.uuid().optional(),
});
export type CardScanInput = z.input<typeof CardScanInput>;

function scanTime(scannedAt: string | undefined, now: Date): Date {
  if (!scannedAt) return now;
  const at = new Date(scannedAt);
  if (at.getTime() > now.getTime() + deviceClockSkewMs) {
    throw new AppError('validation_failed', {
      fieldErrors: [{ field: 'scannedAt', in: 'body', message: 'in the future' }],
      detail: {
        ja: '読み取り日時が未来になっています。端末の時計を確かめてください。',
        en: "The scan time is in the future. Please check the device's clock.",
      },
    });
  }
  if (now.getTime() - at.getTime() > offlineScanMaxAgeMs) throw new AppError('checkin_sync_too_late');
  return at;
}

/**
 * The organiser scanned a participant's 登録証: the card must have been valid when scanned and its
 * registration active; the holder is then present for that day. Works for scans queued offline
 * (`scannedAt`, `clientScanId`): resent, they record nothing twice.
 */
export async function recordCardScan(options: {
  db: Kysely<Database>;
  config: Pick<Config, 'APP_SECRET'>;
  actor: Actor;
  lgCode: string;
  sessionId: string;
  input: CardScanInput;
  now?: Date;
}): Promise<RecordedAttendance> {
  authorizeActivities(options.actor, options.lgCode, true);
  const input = parseInput(CardScanInput, options.input);
  const now = options.now ?? new Date();
  const scannedAt = scanTime(input.scannedAt, now);
  // A resent scan is answered from its first recording before the card is looked at again.
  if (input.clientScanId) {
    const earlier = await withTenant(options.db, options.lgCode, async (scope) => {
      const { project } = await findManagedSession(scope, options.actor, options.sessionId);
      const row = await repository.findByClientScanId(scope, input.clientScanId!);
      return row ? resultOf('already_present', row, project, scope.lgCode) : undefined;
    });
    if (earlier) return earlier;
  }
  if (parseCheckinCode(input.scanned)) {
    throw new AppError('checkin_card_invalid', {
      detail: {
        ja: 'これは会場用のチェックインのQRコードです。参加者の登録証のQRコードを読み取ってください。',
        en: "This is a venue check-in code. Please scan the participant's registration card.",
      },
    });
  }
  const token = cardTokenIn(input.scanned);
  const holder = token
    ? await identifyCardHolder({ db: options.db, config: options.config, token, scannedAt })
    : ({ valid: false, reason: 'malformed' } as const);
  if (!holder.valid) throw new AppError('checkin_card_invalid', { detail: cardReasonText[holder.reason] });
  const person = await organisations.findPersonContact(options.db, holder.personId);
  return withTenant(options.db, options.lgCode, async (scope) => {
    const { session, project } = await findManagedSession(scope, options.actor, options.sessionId);
    return recordPresence(scope, {
      actor: options.actor,
      session,
      project,
      personId: holder.personId,
      method: 'card_qr',
      scannedAt,
      recordedBy: options.actor.id ?? options.actor.kind,
      ...(input.clientScanId ? { clientScanId: input.clientScanId } : {}),
      fallbackName: person?.display_name ?? null,
      checkWindow: true,
      now,
    });
  });
}

export type ScanOutcome =
  | ({ clientScanId: string; ok: true } & RecordedAttendance)
  | { clientScanId: string; ok: false; code: string; message: { ja: string; en: string } };

export const ScanBatchInput = z.object({
  scans: z
    .array(CardScanInput.extend({ clientScanId: z.uuid(), scannedAt: z.iso.datetime({ offset: true }) }))
    .min(1)
    .max(500),
});

/**
 * The offline queue arrives: each scan is its own use case (one transaction each), so one bad card does
 * not hold back the others, and each gets its answer. Idempotent by `clientScanId`.
 */
export async function syncCardScans(options: {
  db: Kysely<Database>;
  config: Pick<Config, 'APP_SECRET'>;
  actor: Actor;
  lgCode: string;
  sessionId: string;
  input: z.input<typeof ScanBatchInput>;
  now?: Date;
}): Promise<ScanOutcome[]> {
  authorizeActivities(options.actor, options.lgCode, true);
  const { scans } = parseInput(ScanBatchInput, options.input);
  const outcomes: ScanOutcome[] = [];
  for (const scan of scans) {
    try {
      const recorded = await recordCardScan({ ...options, input: scan });
      outcomes.push({ clientScanId: scan.clientScanId, ok: true, ...recorded });
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500 || error.code === 'not_found') throw error;
      const { problemCatalog } = await import('../../platform/errors.js');
      const entry = problemCatalog[error.code];
      outcomes.push({
        clientScanId: scan.clientScanId,
        ok: false,
        code: error.code,
        message: error.detail ?? { ja: entry.ja.detail, en: entry.en.detail },
      });
    }
  }
  return outcomes;
}

export const ManualAttendanceInput = z
  .object({
    /** Someone who applied to the session… */
    applicationId: z.uuid().optional(),
    /** …or someone already present on another day of it. */
    attendanceId: z.uuid().optional(),
    activityDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'YYYY-MM-DD' }),
    reason: z
      .string()
      .trim()
      .min(1, { message: '理由を入力してください / give a reason' })
      .max(500, { message: '500文字以内で入力してください / 500 characters at most' }),
  })
  .refine((value) => (value.applicationId ? 1 : 0) + (value.attendanceId ? 1 : 0) === 1, {
    message: '申込者か出席者を1人選んでください / choose one person',
    path: ['applicationId'],
  });
export type ManualAttendanceInput = z.input<typeof ManualAttendanceInput>;

/**
 * The organiser records by hand that someone was present (their phone was flat, the card at home):
 * someone who applied, or who was present another day, on one of the session's days. Audited with the
 * reason.
 */
export async function recordAttendanceByHand(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  sessionId: string;
  input: ManualAttendanceInput;
  now?: Date;
}): Promise<RecordedAttendance> {
  authorizeActivities(options.actor, options.lgCode, true);
  const input = parseInput(ManualAttendanceInput, options.input);
  const now = options.now ?? new Date();
  return withTenant(options.db, options.lgCode, async (scope) => {
    const { session, project } = await findManagedSession(scope, options.actor, options.sessionId);
    const days = sessionDays(session.starts_at, session.ends_at);
    if (!days.includes(input.activityDate)) {
      throw new AppError('validation_failed', {
        fieldErrors: [{ field: 'activityDate', in: 'body', message: 'not a day of this session' }],
        detail: { ja: 'この回の開催日を選んでください。', en: 'Choose a day of this session.' },
      });
    }
    if (input.activityDate > japanDate(now)) {
      throw new AppError('validation_failed', {
        fieldErrors: [{ field: 'activityDate', in: 'body', message: 'in the future' }],
        detail: { ja: 'まだ来ていない日の出席は記録できません。', en: 'A day still to come cannot be recorded.' },
      });
    }
    let personId: string | undefined;
    // Someone present another day without applying keeps the name they showed then on this day's row.
    let knownName: string | null = null;
    if (input.applicationId) {
      const application = await applications.findApplication(scope, input.applicationId);
      personId = application?.session_id === session.id ? application.person_id : undefined;
    } else if (input.attendanceId) {
      const other = await repository.findAttendance(scope, input.attendanceId);
      personId = other?.session_id === session.id ? other.person_id : undefined;
      knownName = other?.shared_name ?? null;
    }
    if (!personId) throw new AppError('not_found');
    const recorded = await recordPresence(scope, {
      actor: options.actor,
      session,
      project,
      personId,
      method: 'manual',
      scannedAt: now,
      activityDate: input.activityDate,
      recordedBy: options.actor.id ?? options.actor.kind,
      fallbackName: knownName,
      checkWindow: false,
      now,
    });
    if (recorded.result === 'recorded') {
      await recordAuditEvent(scope, {
        actor: options.actor,
        action: 'attendance.corrected',
        subjectType: 'attendance',
        subjectId: recorded.attendanceId,
        data: { change: 'added', reason: input.reason },
      });
    }
    return recorded;
  });
}

export const RemoveAttendanceInput = z.object({
  reason: z
    .string()
    .trim()
    .min(1, { message: '理由を入力してください / give a reason' })
    .max(500, { message: '500文字以内で入力してください / 500 characters at most' }),
});

/** Removes a wrong attendance (kept as removed, with who and why). */
export async function removeAttendance(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  attendanceId: string;
  input: z.input<typeof RemoveAttendanceInput>;
}): Promise<void> {
  authorizeActivities(options.actor, options.lgCode, true);
  const input = parseInput(RemoveAttendanceInput, options.input);
  if (!z.uuid().safeParse(options.attendanceId).success) throw new AppError('not_found');
  await withTenant(options.db, options.lgCode, async (scope) => {
    const row = await repository.findAttendance(scope, options.attendanceId, { lock: true });
    if (!row) throw new AppError('not_found');
    await findManagedSession(scope, options.actor, row.session_id);
    if (row.status === 'removed') return;
    await repository.markRemoved(scope, row.id, options.actor.id ?? options.actor.kind, input.reason);
    await refreshLongStay({ scope, personId: row.person_id });
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: 'attendance.corrected',
      subjectType: 'attendance',
      subjectId: row.id,
      data: { change: 'removed', reason: input.reason, activityDate: row.activity_date },
    });
  });
}

/**
 * The organiser's roster of a session: who applied (waiting list in order), who was present on which
 * day and how, people present without applying, and the messages sent.
 */
export async function getRoster(options: { db: Kysely<Database>; actor: Actor; lgCode: string; sessionId: string }) {
  authorizeActivities(options.actor, options.lgCode, true);
  return withTenant(options.db, options.lgCode, async (scope) => {
    const { session, project } = await findManagedSession(scope, options.actor, options.sessionId);
    const [applied, present, messages] = [
      await applications.listApplicationsOfSession(scope, session.id),
      await repository.listAttendanceOfSession(scope, session.id),
      await applications.listMessages(scope, session.id),
    ];
    const daysOf = (personId: string) =>
      present.filter((row) => row.person_id === personId && row.status === 'present').map((row) => row.activity_date);
    const applicants = new Set(applied.map((row) => row.person_id));
    let waiting = 0;
    const walkIns = new Map<string, { attendanceId: string; sharedName: string | null; presentDays: string[] }>();
    for (const row of present) {
      if (row.status !== 'present' || applicants.has(row.person_id) || walkIns.has(row.person_id)) continue;
      walkIns.set(row.person_id, {
        attendanceId: row.id,
        sharedName: row.shared_name,
        presentDays: daysOf(row.person_id),
      });
    }
    return {
      session,
      project,
      days: sessionDays(session.starts_at, session.ends_at),
      applications: applied.map((row) => ({
        id: row.id,
        status: row.status,
        sharedName: row.shared_name,
        contactEmail: row.contact_email,
        comment: row.comment,
        appliedAt: row.applied_at,
        waitlistPosition: row.status === 'waitlisted' ? (waiting += 1) : null,
        presentDays: daysOf(row.person_id),
      })),
      walkIns: [...walkIns.values()],
      attendance: present.map((row) => ({
        id: row.id,
        sharedName: row.shared_name,
        activityDate: row.activity_date,
        method: row.method,
        designated: row.designated,
        status: row.status,
        scannedAt: row.scanned_at,
        recordedAt: row.recorded_at,
        removalReason: row.removal_reason,
      })),
      messages,
    };
  });
}

export const ReportQuery = z.object({
  fiscalYear: z.coerce.number().int().min(2020).max(2100).optional(),
});

/**
 * Attendance per project and session in a fiscal year, for the government (every project) or an
 * organisation (its own): people present, person-days, and days that counted for premium.
 */
export async function getAttendanceReport(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  fiscalYear?: number;
  now?: Date;
}) {
  authorizeActivities(options.actor, options.lgCode, true);
  const own = organisationOf(options.actor, options.lgCode);
  if (!isGovernmentStaff(options.actor, options.lgCode) && !own) throw new AppError('organisation_required');
  const fiscalYear = options.fiscalYear ?? fiscalYearOf(options.now ?? new Date());
  const range = fiscalYearRange(fiscalYear);
  const from = japanDate(range.start);
  const to = japanDate(new Date(range.end.getTime() - 1));
  const rows = await withTenant(options.db, options.lgCode, (scope) =>
    repository.attendanceBySession(scope, {
      from,
      to,
      ...(isGovernmentStaff(options.actor, options.lgCode) ? {} : { organisationId: own ?? '' }),
    }),
  );
  const byProject = new Map<
    string,
    {
      projectId: string;
      title: string;
      category: string;
      organisationName: string | null;
      designatedNow: boolean;
      sessions: Array<{
        sessionId: string;
        startsAt: Date;
        endsAt: Date;
        capacity: number | null;
        confirmed: number;
        people: number;
        personDays: number;
        designatedPersonDays: number;
      }>;
    }
  >();
  for (const row of rows) {
    const project = byProject.get(row.project_id) ?? {
      projectId: row.project_id,
      title: row.title,
      category: row.category,
      organisationName: row.organisation_name ?? null,
      designatedNow: Boolean(row.designated_now),
      sessions: [],
    };
    project.sessions.push({
      sessionId: row.session_id,
      startsAt: row.starts_at,
      endsAt: row.ends_at,
      capacity: row.capacity,
      confirmed: row.confirmed_count,
      people: Number(row.people),
      personDays: Number(row.person_days),
      designatedPersonDays: Number(row.designated_person_days),
    });
    byProject.set(row.project_id, project);
  }
  const list = [...byProject.values()];
  const sum = (pick: (session: (typeof list)[number]['sessions'][number]) => number) =>
    list.reduce((total, project) => total + project.sessions.reduce((inner, session) => inner + pick(session), 0), 0);
  return {
    fiscalYear,
    from,
    to,
    projects: list,
    totals: {
      sessions: sum(() => 1),
      personDays: sum((session) => session.personDays),
      designatedPersonDays: sum((session) => session.designatedPersonDays),
    },
  };
}

export interface HistoryEntry {
  attendanceId: string;
  activityDate: string;
  method: AttendanceMethod;
  designated: boolean;
  projectTitle: string;
  organisationName: string | null;
  placeName: string;
}

/**
 * A person's activity history (L5879–5881): days present, per government and fiscal year, newest first,
 * and how many counted for premium. `fiscalYear` narrows it to one year (the printable record).
 */
export async function getMyActivityHistory(options: {
  db: Kysely<Database>;
  personId: string;
  fiscalYear?: number;
  lgCode?: string;
}) {
  const range = options.fiscalYear ? fiscalYearRange(options.fiscalYear) : undefined;
  const rows = await withPerson(options.db, options.personId, (trx) =>
    repository.listAttendanceOfPerson(
      trx,
      options.personId,
      range ? { from: japanDate(range.start), to: japanDate(new Date(range.end.getTime() - 1)) } : undefined,
    ),
  );
  const mine = options.lgCode ? rows.filter((row) => row.lg_code === options.lgCode) : rows;
  const sessions = await describeSessions(
    options.db,
    mine.map((row) => ({ lgCode: row.lg_code, sessionId: row.session_id })),
  );
  const names = await organisations.governmentNames(options.db, [...new Set(mine.map((row) => row.lg_code))]);
  const groups = new Map<
    string,
    { lgCode: string; governmentName: string; fiscalYear: number; entries: HistoryEntry[] }
  >();
  for (const row of mine) {
    const fiscalYear = fiscalYearOf(new Date(`${row.activity_date}T12:00:00+09:00`));
    const key = `${row.lg_code}:${fiscalYear}`;
    const group = groups.get(key) ?? {
      lgCode: row.lg_code,
      governmentName: names.get(row.lg_code) ?? row.lg_code,
      fiscalYear,
      entries: [],
    };
    const session = sessions.get(`${row.lg_code}:${row.session_id}`);
    group.entries.push({
      attendanceId: row.id,
      activityDate: row.activity_date,
      method: row.method,
      designated: row.designated,
      projectTitle: session?.projectTitle ?? '',
      organisationName: session?.organisationName ?? null,
      placeName: session?.placeName ?? '',
    });
    groups.set(key, group);
  }
  return [...groups.values()]
    .map((group) => ({
      ...group,
      days: group.entries.length,
      designatedDays: group.entries.filter((entry) => entry.designated).length,
    }))
    .sort((a, b) => b.fiscalYear - a.fiscalYear || a.governmentName.localeCompare(b.governmentName, 'ja'));
}

/** For the project page of the staff area: whether the project exists for this actor (404 otherwise). */
export async function assertProjectVisible(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  projectId: string;
}): Promise<void> {
  await withTenant(options.db, options.lgCode, (scope) => findManagedProject(scope, options.actor, options.projectId));
}
