import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { recordAuditEvent, type Actor } from '../../platform/audit.js';
import type { ActivitySessionRow, Database, SessionApplicationRow } from '../../platform/db/schema.js';
import { withPerson, withTenant, type TenantScope } from '../../platform/db/tenant-scope.js';
import { AppError, parseInput } from '../../platform/errors.js';
import { isValidLgCode } from '../../platform/lg-code.js';
import { notify, notifyMany } from '../outreach/index.js';
import { findManagedSession } from './activities.access.js';
import { authorizeActivities } from './activities.policy.js';
import {
  applicationReceivedNotice,
  organiserMessageNotice,
  promotedNotice,
  sessionCancelledNotice,
  type SessionFacts,
} from './activities.notices.js';
import * as repository from './applications.repository.js';
import * as organisations from './organisations.repository.js';
import * as projects from './projects.repository.js';

/**
 * Applications to sessions (L5979–5983: organisations collect people and run the work). Within capacity
 * an application is confirmed at once; beyond it the person joins the waiting list, which moves up in
 * order of application whenever a place frees (a cancellation, a larger capacity). Every change to a
 * session's applications locks the session row first, so two people never take the last place.
 */

const uuid = z.uuid();

interface SessionContext {
  session: Pick<ActivitySessionRow, 'id' | 'starts_at' | 'ends_at'>;
  project: Pick<projects.ProjectRecord, 'title' | 'place_name' | 'contact'>;
}

function factsOf(scope: TenantScope, context: SessionContext): SessionFacts {
  return { lgCode: scope.lgCode, session: context.session, project: context.project };
}

export const ApplicationInput = z.object({
  comment: z
    .string()
    .trim()
    .max(500, { message: '500文字以内で入力してください / 500 characters at most' })
    .default(''),
});

/**
 * A person applies to a session of a published project: confirmed within capacity, else on the waiting
 * list. What the organiser sees of them is what they share with this government as a registrant (the
 * name), or the account's display name, and their e-mail address for messages about the session.
 */
export async function applyToSession(options: {
  db: Kysely<Database>;
  personId: string;
  lgCode: string;
  sessionId: string;
  input?: z.input<typeof ApplicationInput>;
  requestId?: string;
  now?: Date;
}) {
  const input = parseInput(ApplicationInput, options.input ?? {});
  if (!isValidLgCode(options.lgCode) || !uuid.safeParse(options.sessionId).success) throw new AppError('not_found');
  const now = options.now ?? new Date();
  const person = await organisations.findPersonContact(options.db, options.personId);
  if (!person) throw new AppError('unauthenticated');
  const actor: Actor = {
    kind: 'person',
    id: options.personId,
    ...(options.requestId ? { requestId: options.requestId } : {}),
  };
  return withTenant(options.db, options.lgCode, async (scope) => {
    const session = await projects.lockSession(scope, options.sessionId);
    const project = session ? await projects.findProject(scope, session.project_id) : undefined;
    if (!session || !project || project.status !== 'published') throw new AppError('not_found');
    if (session.status === 'cancelled') throw new AppError('session_cancelled');
    if (session.ends_at <= now) throw new AppError('session_ended');
    if (session.status !== 'open') throw new AppError('session_not_open');
    if (await repository.findLiveApplication(scope, session.id, options.personId)) {
      throw new AppError('session_application_exists');
    }
    const registration = await repository.findRegistrationOfPerson(scope, options.personId);
    const confirmed = session.capacity === null || session.confirmed_count < session.capacity;
    // Taken under the session lock, so the waiting list's order is the order people got the lock in.
    const appliedAt = options.now ?? new Date();
    const application = await repository.insertApplication(scope, {
      id: uuidv7(),
      session_id: session.id,
      project_id: project.id,
      person_id: options.personId,
      status: confirmed ? 'confirmed' : 'waitlisted',
      shared_name: registration?.shared_name ?? person.display_name,
      contact_email: person.email,
      comment: input.comment,
      applied_at: appliedAt,
      confirmed_at: confirmed ? appliedAt : null,
    });
    if (confirmed) {
      await projects.updateSession(scope, session.id, { confirmed_count: session.confirmed_count + 1 });
    }
    const position = confirmed ? null : await repository.waitlistPosition(scope, application);
    await recordAuditEvent(scope, {
      actor,
      action: 'session_application.created',
      subjectType: 'session_application',
      subjectId: application.id,
      data: { sessionId: session.id, status: application.status },
    });
    await notify(
      scope.trx,
      applicationReceivedNotice(factsOf(scope, { session, project }), {
        personId: options.personId,
        applicationId: application.id,
        waitlistPosition: position,
      }),
    );
    return { applicationId: application.id, status: application.status, waitlistPosition: position };
  });
}

/**
 * Moves people up from the waiting list while the session has room, in order of application, and tells
 * each of them. For sessions still to come that are not cancelled. Returns how many moved up.
 */
export async function promoteWaitlist(
  scope: TenantScope,
  options: { actor: Actor; session: ActivitySessionRow; project: SessionContext['project']; now?: Date },
): Promise<number> {
  const { session } = options;
  const now = options.now ?? new Date();
  if (session.status === 'cancelled' || session.ends_at <= now) return 0;
  const room = session.capacity === null ? Number.MAX_SAFE_INTEGER : session.capacity - session.confirmed_count;
  if (room <= 0) return 0;
  const waiting = await repository.lockFirstWaiting(scope, session.id, Math.min(room, 10_000));
  if (waiting.length === 0) return 0;
  for (const application of waiting) {
    await repository.updateApplication(scope, application.id, { status: 'confirmed', confirmed_at: now });
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: 'session_application.promoted',
      subjectType: 'session_application',
      subjectId: application.id,
      data: { sessionId: session.id },
    });
  }
  await projects.updateSession(scope, session.id, { confirmed_count: session.confirmed_count + waiting.length });
  await notifyMany(
    scope.trx,
    waiting.map((application) =>
      promotedNotice(
        factsOf(scope, { session, project: options.project }),
        { personId: application.person_id, applicationId: application.id },
        now,
      ),
    ),
  );
  return waiting.length;
}

/** Cancels the person's own application; a confirmed place goes to the first person waiting. */
export async function cancelMyApplication(options: {
  db: Kysely<Database>;
  personId: string;
  lgCode: string;
  applicationId: string;
  requestId?: string;
  now?: Date;
}): Promise<void> {
  if (!isValidLgCode(options.lgCode) || !uuid.safeParse(options.applicationId).success) throw new AppError('not_found');
  const now = options.now ?? new Date();
  const actor: Actor = {
    kind: 'person',
    id: options.personId,
    ...(options.requestId ? { requestId: options.requestId } : {}),
  };
  await withTenant(options.db, options.lgCode, async (scope) => {
    const found = await repository.findApplication(scope, options.applicationId);
    if (!found || found.person_id !== options.personId) throw new AppError('not_found');
    // The session first, as applying does: the two never wait for each other.
    const session = await projects.lockSession(scope, found.session_id);
    const application = await repository.findApplication(scope, found.id, { lock: true });
    if (!session || !application) throw new AppError('not_found');
    if (application.status !== 'confirmed' && application.status !== 'waitlisted') throw new AppError('conflict');
    if (session.ends_at <= now) throw new AppError('session_ended');
    await repository.updateApplication(scope, application.id, { status: 'cancelled', ended_at: now });
    await recordAuditEvent(scope, {
      actor,
      action: 'session_application.cancelled',
      subjectType: 'session_application',
      subjectId: application.id,
      data: { sessionId: session.id, was: application.status },
    });
    if (application.status === 'confirmed') {
      const freed = await projects.updateSession(scope, session.id, { confirmed_count: session.confirmed_count - 1 });
      const project = await projects.findProject(scope, session.project_id);
      if (project) await promoteWaitlist(scope, { actor: { kind: 'system', id: null }, session: freed, project, now });
    }
  });
}

/**
 * Ends every live application of a session that is being cancelled and tells each applicant, with the
 * organiser's reason when one was given. Returns how many were told.
 */
export async function endSessionApplications(
  scope: TenantScope,
  options: { session: ActivitySessionRow; project: SessionContext['project']; reason?: string | undefined },
): Promise<number> {
  const live = await repository.lockLiveApplications(scope, options.session.id);
  const now = new Date();
  for (const application of live) {
    await repository.updateApplication(scope, application.id, { status: 'withdrawn', ended_at: now });
  }
  await notifyMany(
    scope.trx,
    live.map((application) =>
      sessionCancelledNotice(
        factsOf(scope, { session: options.session, project: options.project }),
        { personId: application.person_id, applicationId: application.id },
        options.reason,
        now,
      ),
    ),
  );
  return live.length;
}

export const MessageInput = z.object({
  subject: z
    .string()
    .trim()
    .min(1, { message: '件名を入力してください / enter a subject' })
    .max(200, { message: '200文字以内で入力してください / 200 characters at most' }),
  body: z
    .string()
    .trim()
    .min(1, { message: '本文を入力してください / enter a message' })
    .max(5000, { message: '5000文字以内で入力してください / 5000 characters at most' }),
  audience: z.enum(['confirmed', 'confirmed_and_waitlisted']).default('confirmed'),
});
export type MessageInput = z.input<typeof MessageInput>;

/**
 * The organiser writes to a session's participants (confirmed, or also those waiting). Each person gets
 * their own notification (by mail as they choose; addresses are never shown to anyone); the message is
 * kept with the session.
 */
export async function messageParticipants(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  sessionId: string;
  input: MessageInput;
}) {
  authorizeActivities(options.actor, options.lgCode, true);
  const input = parseInput(MessageInput, options.input);
  return withTenant(options.db, options.lgCode, async (scope) => {
    const { session, project } = await findManagedSession(scope, options.actor, options.sessionId);
    const recipients = await repository.listRecipients(
      scope,
      session.id,
      input.audience === 'confirmed_and_waitlisted',
    );
    const message = await repository.insertMessage(scope, {
      id: uuidv7(),
      session_id: session.id,
      subject: input.subject,
      body: input.body,
      audience: input.audience,
      recipients: recipients.length,
      sent_by: options.actor.id ?? options.actor.kind,
    });
    await notifyMany(
      scope.trx,
      recipients.map((recipient) =>
        organiserMessageNotice(
          factsOf(scope, { session, project }),
          { id: message.id, subject: input.subject, body: input.body, sender: project.organisation_name },
          recipient.person_id,
        ),
      ),
    );
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: 'session.message_sent',
      subjectType: 'activity_session',
      subjectId: session.id,
      data: { messageId: message.id, audience: input.audience, recipients: recipients.length },
    });
    return { messageId: message.id, recipients: recipients.length };
  });
}

export interface SessionSummary {
  lgCode: string;
  sessionId: string;
  projectId: string;
  projectTitle: string;
  organisationName: string | null;
  placeName: string;
  startsAt: Date;
  endsAt: Date;
  sessionStatus: ActivitySessionRow['status'];
  projectStatus: projects.ProjectRecord['status'];
  designated: boolean;
}

/**
 * What a person's own lists need to say about sessions in several governments. Read in each government's
 * scope by the ids the person's own rows name (a project that is no longer public still has its title).
 */
export async function describeSessions(
  db: Kysely<Database>,
  refs: ReadonlyArray<{ lgCode: string; sessionId: string }>,
): Promise<Map<string, SessionSummary>> {
  const byTenant = new Map<string, Set<string>>();
  for (const ref of refs) {
    const ids = byTenant.get(ref.lgCode) ?? new Set<string>();
    ids.add(ref.sessionId);
    byTenant.set(ref.lgCode, ids);
  }
  const summaries = new Map<string, SessionSummary>();
  for (const [lgCode, ids] of byTenant) {
    const rows = await withTenant(db, lgCode, (scope) =>
      scope.trx
        .selectFrom('activity_sessions as s')
        .innerJoin('projects as p', (join) =>
          join.onRef('p.lg_code', '=', 's.lg_code').onRef('p.id', '=', 's.project_id'),
        )
        .leftJoin('organisations as o', (join) =>
          join.onRef('o.lg_code', '=', 'p.lg_code').onRef('o.id', '=', 'p.organisation_id'),
        )
        .select([
          's.id',
          's.starts_at',
          's.ends_at',
          's.status as session_status',
          'p.id as project_id',
          'p.title',
          'p.place_name',
          'p.status as project_status',
          'o.name as organisation_name',
          projects.effectivelyDesignated().as('designated'),
        ])
        .where('s.lg_code', '=', scope.lgCode)
        .where('s.id', 'in', [...ids])
        .execute(),
    );
    for (const row of rows) {
      summaries.set(`${lgCode}:${row.id}`, {
        lgCode,
        sessionId: row.id,
        projectId: row.project_id,
        projectTitle: row.title,
        organisationName: row.organisation_name ?? null,
        placeName: row.place_name,
        startsAt: row.starts_at,
        endsAt: row.ends_at,
        sessionStatus: row.session_status,
        projectStatus: row.project_status,
        designated: Boolean(row.designated),
      });
    }
  }
  return summaries;
}

export interface MyApplication {
  lgCode: string;
  id: string;
  status: SessionApplicationRow['status'];
  appliedAt: Date;
  waitlistPosition: number | null;
  session: SessionSummary | null;
  governmentName: string;
}

/** The person's applications, upcoming first, with the place on the waiting list where they wait. */
export async function listMyApplications(options: { db: Kysely<Database>; personId: string; now?: Date }) {
  const now = options.now ?? new Date();
  const rows = await withPerson(options.db, options.personId, (trx) =>
    repository.listApplicationsOfPerson(trx, options.personId),
  );
  const sessions = await describeSessions(
    options.db,
    rows.map((row) => ({ lgCode: row.lg_code, sessionId: row.session_id })),
  );
  const names = await organisations.governmentNames(options.db, [...new Set(rows.map((row) => row.lg_code))]);
  const items: MyApplication[] = [];
  for (const row of rows) {
    const position =
      row.status === 'waitlisted'
        ? await withTenant(options.db, row.lg_code, (scope) => repository.waitlistPosition(scope, row))
        : null;
    items.push({
      lgCode: row.lg_code,
      id: row.id,
      status: row.status,
      appliedAt: row.applied_at,
      waitlistPosition: position,
      session: sessions.get(`${row.lg_code}:${row.session_id}`) ?? null,
      governmentName: names.get(row.lg_code) ?? row.lg_code,
    });
  }
  const upcoming = (item: MyApplication) =>
    (item.status === 'confirmed' || item.status === 'waitlisted') && item.session !== null && item.session.endsAt > now;
  items.sort((a, b) => {
    if (upcoming(a) !== upcoming(b)) return upcoming(a) ? -1 : 1;
    const at = (item: MyApplication) => item.session?.startsAt.getTime() ?? 0;
    return upcoming(a) ? at(a) - at(b) : at(b) - at(a);
  });
  return items;
}
