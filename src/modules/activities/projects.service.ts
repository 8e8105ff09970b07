import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { recordAuditEvent, type Actor } from '../../platform/audit.js';
import {
  projectCategories,
  type ActivitySessionRow,
  type Database,
  type ProjectDesignation,
  type ProjectStatus,
} from '../../platform/db/schema.js';
import { withTenant, type TenantScope } from '../../platform/db/tenant-scope.js';
import { AppError, parseInput } from '../../platform/errors.js';
import { isValidLgCode } from '../../platform/lg-code.js';
import { japanDate } from '../../platform/time.js';
import { authorizeActivities, isGovernmentStaff, mayDesignate, organisationOf } from './activities.policy.js';
import { fromJapanLocalInput } from './activities.format.js';
import { findManagedProject, findManagedSession, requireActiveOrganisation } from './activities.access.js';
import { endSessionApplications, promoteWaitlist } from './applications.service.js';
import * as organisations from './organisations.repository.js';
import { DesignationDateInput } from './organisations.service.js';
import * as repository from './projects.repository.js';

/**
 * 担い手 projects (事業) and their sessions (回). An organisation plans and runs its projects; the
 * government sees them all (the organisation shares plans and status, L5985–5989) and alone decides
 * designation. A draft is the plan shared with the government; published projects are public.
 */

const text = (max: number) =>
  z
    .string()
    .trim()
    .max(max, { message: `${max}文字以内で入力してください / ${max} characters at most` })
    .default('');

export const ProjectInput = z.object({
  title: z
    .string()
    .trim()
    .min(1, { message: '事業名を入力してください / enter a title' })
    .max(200, { message: '200文字以内で入力してください / 200 characters at most' }),
  description: text(8000),
  category: z.enum(projectCategories, { message: '分野を選んでください / choose a category' }),
  placeName: text(200),
  placeAddress: text(300),
  /** The municipality where it happens; a prefecture names one of its municipalities. Default: the tenant. */
  placeLgCode: z.preprocess(
    (value) => (value === '' ? undefined : value),
    z.string().refine(isValidLgCode, { message: '全国地方公共団体コードが正しくありません / invalid code' }).optional(),
  ),
  whatToBring: text(1000),
  contact: text(500),
  accessibility: text(1000),
});
export type ProjectInput = z.input<typeof ProjectInput>;

export const CreateProjectInput = ProjectInput.extend({
  /** The organisation that runs it; absent for the government's own project. 団体担当者: always their own. */
  organisationId: z.preprocess((value) => (value === '' ? undefined : value), z.uuid().optional()),
});
export type CreateProjectInput = z.input<typeof CreateProjectInput>;

export interface Project {
  lgCode: string;
  id: string;
  organisationId: string | null;
  organisationName: string | null;
  title: string;
  description: string;
  category: (typeof projectCategories)[number];
  placeName: string;
  placeAddress: string;
  placeLgCode: string | null;
  whatToBring: string;
  contact: string;
  accessibility: string;
  status: ProjectStatus;
  designation: ProjectDesignation;
  /** Counts for premium now: designated itself, or through its designated organisation. */
  designated: boolean;
  designationRequestedAt: Date | null;
  designationChangedAt: Date | null;
  createdAt: Date;
  publishedAt: Date | null;
}

export function toProject(row: repository.ProjectRecord): Project {
  return {
    lgCode: row.lg_code,
    id: row.id,
    organisationId: row.organisation_id,
    organisationName: row.organisation_name ?? null,
    title: row.title,
    description: row.description,
    category: row.category,
    placeName: row.place_name,
    placeAddress: row.place_address,
    placeLgCode: row.place_lg_code,
    whatToBring: row.what_to_bring,
    contact: row.contact,
    accessibility: row.accessibility,
    status: row.status,
    designation: row.designation,
    designated: Boolean(row.effectively_designated),
    designationRequestedAt: row.designation_requested_at,
    designationChangedAt: row.designation_changed_at,
    createdAt: row.created_at,
    publishedAt: row.published_at,
  };
}

export interface ActivitySession {
  lgCode: string;
  id: string;
  projectId: string;
  startsAt: Date;
  endsAt: Date;
  capacity: number | null;
  confirmedCount: number;
  waitlistedCount: number;
  attendeeCount: number;
  status: ActivitySessionRow['status'];
  note: string;
}

export function toSession(
  row: ActivitySessionRow & { waitlisted_count?: string | null; attendee_count?: string | null },
): ActivitySession {
  return {
    lgCode: row.lg_code,
    id: row.id,
    projectId: row.project_id,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    capacity: row.capacity,
    confirmedCount: row.confirmed_count,
    waitlistedCount: Number(row.waitlisted_count ?? 0),
    attendeeCount: Number(row.attendee_count ?? 0),
    status: row.status,
    note: row.note,
  };
}

async function checkPlace(scope: TenantScope, placeLgCode: string | undefined): Promise<string> {
  if (!placeLgCode || placeLgCode === scope.lgCode) return scope.lgCode;
  const place = await repository.findPlace(scope, placeLgCode);
  // Prefecture codes are <2 digits>000<check digit>.
  const tenantIsPrefecture = scope.lgCode.slice(2, 5) === '000';
  const inArea =
    place !== undefined &&
    ((tenantIsPrefecture && place.prefecture_code === scope.lgCode.slice(0, 2) && place.kind !== 'prefecture') ||
      place.parent_lg_code === scope.lgCode);
  if (!inArea) {
    throw new AppError('validation_failed', {
      fieldErrors: [{ field: 'placeLgCode', in: 'body', message: 'not in the area of this local government' }],
      detail: {
        ja: '開催場所は、この自治体の区域内の市区町村を選んでください。',
        en: 'The place must be in the area of this local government.',
      },
    });
  }
  return placeLgCode;
}

function projectColumns(input: z.output<typeof ProjectInput>, placeLgCode: string) {
  return {
    title: input.title,
    description: input.description,
    category: input.category,
    place_name: input.placeName,
    place_address: input.placeAddress,
    place_lg_code: placeLgCode,
    what_to_bring: input.whatToBring,
    contact: input.contact,
    accessibility: input.accessibility,
  };
}

/** Plans a project as a draft: the government's own, or an organisation's (団体担当者: their own only). */
export async function createProject(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  input: CreateProjectInput;
}): Promise<Project> {
  const { actor, lgCode } = options;
  const own = organisationOf(actor, lgCode);
  authorizeActivities(actor, lgCode, isGovernmentStaff(actor, lgCode) || own !== undefined);
  const input = parseInput(CreateProjectInput, options.input);
  const organisationId = isGovernmentStaff(actor, lgCode) ? (input.organisationId ?? null) : (own ?? null);
  return withTenant(options.db, lgCode, async (scope) => {
    if (organisationId) {
      const organisation = await organisations.findOrganisation(scope, organisationId);
      if (!organisation) {
        throw new AppError('validation_failed', {
          fieldErrors: [{ field: 'organisationId', in: 'body', message: 'no such organisation' }],
          detail: { ja: '団体が見つかりません。', en: 'No such organisation.' },
        });
      }
      if (organisation.status !== 'approved') throw new AppError('organisation_not_approved');
    }
    const row = await repository.insertProject(scope, {
      id: uuidv7(),
      organisation_id: organisationId,
      ...projectColumns(input, await checkPlace(scope, input.placeLgCode)),
      created_by: actor.id ?? actor.kind,
    });
    await recordAuditEvent(scope, {
      actor,
      action: 'project.created',
      subjectType: 'project',
      subjectId: row.id,
      data: { organisationId, category: row.category },
    });
    const created = await repository.findProject(scope, row.id);
    if (!created) throw new Error('project not readable after insert');
    return toProject(created);
  });
}

export async function updateProject(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  projectId: string;
  input: ProjectInput;
}): Promise<Project> {
  authorizeActivities(options.actor, options.lgCode, true);
  const input = parseInput(ProjectInput, options.input);
  return withTenant(options.db, options.lgCode, async (scope) => {
    const current = await findManagedProject(scope, options.actor, options.projectId, { lock: true });
    requireActiveOrganisation(options.actor, options.lgCode, current);
    const columns = projectColumns(input, await checkPlace(scope, input.placeLgCode));
    await repository.updateProject(scope, current.id, columns);
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: 'project.updated',
      subjectType: 'project',
      subjectId: current.id,
      data: {
        changed: Object.entries(columns)
          .filter(([key, value]) => current[key as keyof typeof current] !== value)
          .map(([key]) => key),
      },
    });
    return toProject((await repository.findProject(scope, current.id))!);
  });
}

const statusTransitions: Record<ProjectStatus, readonly ProjectStatus[]> = {
  draft: ['published', 'cancelled'],
  published: ['draft', 'cancelled', 'archived'],
  cancelled: [],
  archived: ['published'],
};

/**
 * Publishes a draft (it becomes public and takes applications), takes it back to draft, cancels it
 * (every session still to come is cancelled and its applicants told), or archives it when it is over.
 */
export async function setProjectStatus(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  projectId: string;
  status: ProjectStatus;
}): Promise<Project> {
  authorizeActivities(options.actor, options.lgCode, true);
  return withTenant(options.db, options.lgCode, async (scope) => {
    const current = await findManagedProject(scope, options.actor, options.projectId, { lock: true });
    if (current.status === options.status) return toProject(current);
    if (!statusTransitions[current.status].includes(options.status)) throw new AppError('conflict');
    if (options.status === 'published') requireActiveOrganisation(options.actor, options.lgCode, current);
    let cancelledSessions = 0;
    if (options.status === 'cancelled') {
      for (const session of await repository.lockUpcomingSessionsOfProject(scope, current.id)) {
        await cancelOne(scope, options.actor, current, session);
        cancelledSessions += 1;
      }
    }
    await repository.updateProject(scope, current.id, {
      status: options.status,
      ...(options.status === 'published' && !current.published_at ? { published_at: new Date() } : {}),
    });
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: `project.${options.status}`,
      subjectType: 'project',
      subjectId: current.id,
      data: { from: current.status, ...(cancelledSessions > 0 ? { cancelledSessions } : {}) },
    });
    return toProject((await repository.findProject(scope, current.id))!);
  });
}

/** An organisation asks the government to designate its project (pattern ①); the government sees a queue. */
export async function requestProjectDesignation(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  projectId: string;
}): Promise<Project> {
  authorizeActivities(options.actor, options.lgCode, true);
  return withTenant(options.db, options.lgCode, async (scope) => {
    const current = await findManagedProject(scope, options.actor, options.projectId, { lock: true });
    requireActiveOrganisation(options.actor, options.lgCode, current);
    if (current.effectively_designated || current.designation_requested_at) return toProject(current);
    await repository.updateProject(scope, current.id, { designation_requested_at: new Date() });
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: 'project.designation_requested',
      subjectType: 'project',
      subjectId: current.id,
    });
    return toProject((await repository.findProject(scope, current.id))!);
  });
}

/**
 * The government designates a project (pattern ①), excludes it from its organisation's designation
 * (pattern ② revoked for this project), or lets it follow the organisation again. Attendance from
 * `effectiveFrom` (a Japan date, default today) takes the new designation; earlier days keep theirs.
 */
export async function setProjectDesignation(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  projectId: string;
  designation: ProjectDesignation;
  effectiveFrom?: string;
  now?: Date;
}): Promise<Project> {
  authorizeActivities(options.actor, options.lgCode, mayDesignate(options.actor, options.lgCode));
  const from = options.effectiveFrom
    ? parseInput(DesignationDateInput, options.effectiveFrom)
    : japanDate(options.now ?? new Date());
  return withTenant(options.db, options.lgCode, async (scope) => {
    const current = await findManagedProject(scope, options.actor, options.projectId, { lock: true });
    if (current.designation === options.designation && !current.designation_requested_at) return toProject(current);
    await repository.updateProject(
      scope,
      current.id,
      repository.designationChange(options.designation, options.actor.id ?? options.actor.kind),
    );
    const moved = await repository.resnapshotProjectAttendance(scope, current.id, from);
    const updated = (await repository.findProject(scope, current.id))!;
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: 'project.designation_changed',
      subjectType: 'project',
      subjectId: current.id,
      data: {
        from: current.designation,
        to: options.designation,
        designated: Boolean(updated.effectively_designated),
        effectiveFrom: from,
        attendanceUpdated: moved,
      },
    });
    return toProject(updated);
  });
}

export const ProjectListQuery = z.object({
  status: z.enum(['draft', 'published', 'cancelled', 'archived']).optional(),
  organisationId: z.uuid().optional(),
  own: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional()
    .meta({ description: "true: only the government's own projects" }),
  designated: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional(),
  designationRequested: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional(),
  category: z.enum(projectCategories).optional(),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  perPage: z.coerce.number().int().min(1).max(200).default(50),
});
export type ProjectListQuery = z.input<typeof ProjectListQuery>;

/** The government's projects (all of them) or an organisation's (its own), newest first. */
export async function listProjects(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  /** As `ProjectListQuery` parses it. */
  query: z.output<typeof ProjectListQuery>;
}) {
  const { actor, lgCode, query } = options;
  authorizeActivities(actor, lgCode, true);
  const own = organisationOf(actor, lgCode);
  if (!isGovernmentStaff(actor, lgCode) && !own) throw new AppError('organisation_required');
  const filter: repository.ProjectFilter = {
    ...(query.status ? { status: query.status } : {}),
    ...(query.category ? { category: query.category } : {}),
    ...(query.designated !== undefined ? { designated: query.designated } : {}),
    ...(query.designationRequested ? { designationRequested: true } : {}),
    ...(isGovernmentStaff(actor, lgCode)
      ? {
          ...(query.organisationId ? { organisationId: query.organisationId } : {}),
          ...(query.own ? { governmentOwn: true } : {}),
        }
      : { organisationId: own ?? '' }),
  };
  const { rows, total } = await withTenant(options.db, lgCode, (scope) =>
    repository.listProjects(scope, filter, query.perPage, (query.page - 1) * query.perPage),
  );
  return {
    items: rows.map((row) => ({
      id: row.id,
      title: row.title,
      category: row.category,
      status: row.status,
      designation: row.designation,
      designated: Boolean(row.effectively_designated),
      designationRequested: row.designation_requested_at !== null && !row.effectively_designated,
      organisationId: row.organisation_id,
      organisationName: row.organisation_name ?? null,
      placeName: row.place_name,
      nextSessionAt: row.next_session_at ? new Date(row.next_session_at) : null,
      sessionCount: Number(row.session_count ?? 0),
      createdAt: row.created_at,
    })),
    page: query.page,
    perPage: query.perPage,
    total,
    totalPages: Math.max(1, Math.ceil(total / query.perPage)),
  };
}

/** One project with its sessions (counts of confirmed, waiting and present people). */
export async function getProject(options: { db: Kysely<Database>; actor: Actor; lgCode: string; projectId: string }) {
  authorizeActivities(options.actor, options.lgCode, true);
  return withTenant(options.db, options.lgCode, async (scope) => {
    const row = await findManagedProject(scope, options.actor, options.projectId);
    const sessions = await repository.listSessionsOfProject(scope, row.id);
    return { project: toProject(row), sessions: sessions.map(toSession) };
  });
}

/** Counts for the staff dashboard: designation requests waiting for the government. */
export async function countDesignationRequests(options: { db: Kysely<Database>; actor: Actor; lgCode: string }) {
  if (!mayDesignate(options.actor, options.lgCode)) return undefined;
  return withTenant(options.db, options.lgCode, (scope) => repository.countDesignationRequests(scope));
}

// Sessions.

const instant = z.union([z.iso.datetime({ offset: true }), z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/)]);

function toInstant(value: string): Date | undefined {
  return /Z|[+-]\d{2}:\d{2}$/.test(value) ? new Date(value) : fromJapanLocalInput(value);
}

/** Longest session: a festival, a farm stay; a month covers them. */
const maxSessionDays = 31;

export const SessionInput = z
  .object({
    startsAt: instant.meta({ description: 'ISO 8601 with offset, or YYYY-MM-DDTHH:mm in Japan time' }),
    endsAt: instant,
    capacity: z.preprocess(
      (value) => (value === '' || value === null ? undefined : value),
      z.coerce
        .number({ message: '定員は数字で入力してください / capacity must be a number' })
        .int()
        .min(1, { message: '定員は1人以上にしてください / at least 1' })
        .max(100_000)
        .optional(),
    ),
    note: text(1000),
  })
  .superRefine((value, context) => {
    const start = toInstant(value.startsAt);
    const end = toInstant(value.endsAt);
    if (!start || Number.isNaN(start.getTime())) {
      context.addIssue({ code: 'custom', path: ['startsAt'], message: '開始日時が正しくありません / invalid start' });
      return;
    }
    if (!end || Number.isNaN(end.getTime())) {
      context.addIssue({ code: 'custom', path: ['endsAt'], message: '終了日時が正しくありません / invalid end' });
      return;
    }
    if (end <= start) {
      context.addIssue({
        code: 'custom',
        path: ['endsAt'],
        message: '終了日時は開始日時より後にしてください / the end must be after the start',
      });
    } else if (end.getTime() - start.getTime() > maxSessionDays * 24 * 60 * 60 * 1000) {
      context.addIssue({
        code: 'custom',
        path: ['endsAt'],
        message: `1回の期間は${maxSessionDays}日以内にしてください / ${maxSessionDays} days at most`,
      });
    }
  });
export type SessionInput = z.input<typeof SessionInput>;

function sessionTimes(input: z.output<typeof SessionInput>) {
  return { starts_at: toInstant(input.startsAt)!, ends_at: toInstant(input.endsAt)! };
}

/** Adds a session (回) to a project. */
export async function addSession(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  projectId: string;
  input: SessionInput;
}): Promise<ActivitySession> {
  authorizeActivities(options.actor, options.lgCode, true);
  const input = parseInput(SessionInput, options.input);
  return withTenant(options.db, options.lgCode, async (scope) => {
    const project = await findManagedProject(scope, options.actor, options.projectId, { lock: true });
    requireActiveOrganisation(options.actor, options.lgCode, project);
    if (project.status === 'cancelled' || project.status === 'archived') throw new AppError('conflict');
    const row = await repository.insertSession(scope, {
      id: uuidv7(),
      project_id: project.id,
      ...sessionTimes(input),
      capacity: input.capacity ?? null,
      note: input.note,
    });
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: 'session.created',
      subjectType: 'activity_session',
      subjectId: row.id,
      data: { projectId: project.id, capacity: row.capacity },
    });
    return toSession(row);
  });
}

/**
 * Changes a session's time, capacity or note. The capacity never drops below the confirmed applicants;
 * raising it moves the waiting list up at once.
 */
export async function updateSession(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  sessionId: string;
  input: SessionInput;
}): Promise<ActivitySession> {
  authorizeActivities(options.actor, options.lgCode, true);
  const input = parseInput(SessionInput, options.input);
  return withTenant(options.db, options.lgCode, async (scope) => {
    const { session, project } = await findManagedSession(scope, options.actor, options.sessionId, { lock: true });
    requireActiveOrganisation(options.actor, options.lgCode, project);
    if (session.status === 'cancelled') throw new AppError('session_cancelled');
    const capacity = input.capacity ?? null;
    if (capacity !== null && capacity < session.confirmed_count) throw new AppError('session_capacity_below_confirmed');
    let row = await repository.updateSession(scope, session.id, { ...sessionTimes(input), capacity, note: input.note });
    const promoted = await promoteWaitlist(scope, { actor: options.actor, session: row, project });
    if (promoted > 0) row = (await repository.findSession(scope, session.id))!;
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: 'session.updated',
      subjectType: 'activity_session',
      subjectId: session.id,
      data: { capacity, ...(promoted > 0 ? { promoted } : {}) },
    });
    return toSession(row);
  });
}

/** Closes applications (check-in still works) or opens them again. */
export async function setSessionOpen(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  sessionId: string;
  open: boolean;
}): Promise<ActivitySession> {
  authorizeActivities(options.actor, options.lgCode, true);
  return withTenant(options.db, options.lgCode, async (scope) => {
    const { session } = await findManagedSession(scope, options.actor, options.sessionId, { lock: true });
    if (session.status === 'cancelled') throw new AppError('session_cancelled');
    const status = options.open ? 'open' : 'closed';
    if (session.status === status) return toSession(session);
    const row = await repository.updateSession(scope, session.id, {
      status,
      closed_at: options.open ? null : new Date(),
    });
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: options.open ? 'session.reopened' : 'session.closed',
      subjectType: 'activity_session',
      subjectId: session.id,
    });
    return toSession(row);
  });
}

async function cancelOne(
  scope: TenantScope,
  actor: Actor,
  project: repository.ProjectRecord,
  session: ActivitySessionRow,
  reason?: string,
): Promise<number> {
  const told = await endSessionApplications(scope, { session, project, reason });
  await repository.updateSession(scope, session.id, {
    status: 'cancelled',
    cancelled_at: new Date(),
    confirmed_count: 0,
  });
  await recordAuditEvent(scope, {
    actor,
    action: 'session.cancelled',
    subjectType: 'activity_session',
    subjectId: session.id,
    data: { applicationsWithdrawn: told },
  });
  return told;
}

/** Cancels a session: its applications end and every applicant is told (with the reason, if given). */
export async function cancelSession(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  sessionId: string;
  reason?: string;
}): Promise<ActivitySession> {
  authorizeActivities(options.actor, options.lgCode, true);
  const reason = options.reason?.trim().slice(0, 1000) || undefined;
  return withTenant(options.db, options.lgCode, async (scope) => {
    const { session, project } = await findManagedSession(scope, options.actor, options.sessionId, { lock: true });
    if (session.status === 'cancelled') return toSession(session);
    if (session.ends_at <= new Date()) throw new AppError('session_ended');
    await cancelOne(scope, options.actor, project, session, reason);
    return toSession((await repository.findSession(scope, session.id))!);
  });
}

export { findManagedProject, findManagedSession };
