import type { Kysely } from 'kysely';
import { z } from 'zod';
import { projectCategories, type Database } from '../../platform/db/schema.js';
import { withPerson, withPublicScope } from '../../platform/db/tenant-scope.js';
import { AppError } from '../../platform/errors.js';
import { isValidLgCode, PrefectureCode } from '../../platform/lg-code.js';
import * as applications from './applications.repository.js';
import * as organisations from './organisations.repository.js';
import * as repository from './public.repository.js';

/**
 * What anyone may see without signing in: published projects and their sessions in every government,
 * with how many places are left and whether they count for premium (the person deciding where to help
 * wants to know). The nationwide free-text search lives with outreach; this is the plain list.
 */

export const UpcomingQuery = z.object({
  lgCode: z
    .string()
    .refine(isValidLgCode, { message: '全国地方公共団体コードが正しくありません / invalid code' })
    .optional(),
  prefecture: PrefectureCode.optional(),
  category: z.enum(projectCategories).optional(),
  designated: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional()
    .meta({ description: 'true: only activities that count for premium registration' }),
  page: z.coerce.number().int().min(1).max(1000).default(1),
  perPage: z.coerce.number().int().min(1).max(100).default(20),
});
export type UpcomingQuery = z.input<typeof UpcomingQuery>;

export interface PublicSession {
  lgCode: string;
  governmentName: string;
  sessionId: string;
  projectId: string;
  title: string;
  category: (typeof projectCategories)[number];
  placeName: string;
  organisationName: string | null;
  startsAt: Date;
  endsAt: Date;
  capacity: number | null;
  /** Places left; null without a limit. 0 means applications go on the waiting list. */
  placesLeft: number | null;
  open: boolean;
  designated: boolean;
}

/** `query` as `UpcomingQuery` parses it (the API and the pages parse what they receive). */
export async function listUpcomingActivities(options: {
  db: Kysely<Database>;
  query: z.output<typeof UpcomingQuery>;
  now?: Date;
}) {
  const { query } = options;
  const now = options.now ?? new Date();
  const { rows, total } = await withPublicScope(options.db, (trx) =>
    repository.listUpcomingSessions(
      trx,
      {
        now,
        ...(query.lgCode ? { lgCode: query.lgCode } : {}),
        ...(query.prefecture ? { prefectureCode: query.prefecture } : {}),
        ...(query.category ? { category: query.category } : {}),
        ...(query.designated ? { designatedOnly: true } : {}),
      },
      query.perPage,
      (query.page - 1) * query.perPage,
    ),
  );
  const names = await organisations.governmentNames(options.db, [...new Set(rows.map((row) => row.lg_code))]);
  const items: PublicSession[] = rows.map((row) => ({
    lgCode: row.lg_code,
    governmentName: names.get(row.lg_code) ?? row.lg_code,
    sessionId: row.session_id,
    projectId: row.project_id,
    title: row.title,
    category: row.category,
    placeName: row.place_name,
    organisationName: row.organisation_name ?? null,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    capacity: row.capacity,
    placesLeft: row.capacity === null ? null : Math.max(0, row.capacity - row.confirmed_count),
    open: row.session_status === 'open',
    designated: Boolean(row.designated),
  }));
  return {
    items,
    page: query.page,
    perPage: query.perPage,
    total,
    totalPages: Math.max(1, Math.ceil(total / query.perPage)),
  };
}

/**
 * A published project as anyone sees it, with its sessions (the last three months and all to come) and,
 * for a signed-in person, their own applications to them.
 */
export async function getPublicProject(options: {
  db: Kysely<Database>;
  lgCode: string;
  projectId: string;
  personId?: string;
  now?: Date;
}) {
  if (!isValidLgCode(options.lgCode) || !z.uuid().safeParse(options.projectId).success) throw new AppError('not_found');
  const now = options.now ?? new Date();
  const { project, sessions } = await withPublicScope(options.db, async (trx) => {
    const project = await repository.findPublicProject(trx, options.lgCode, options.projectId);
    return {
      project,
      sessions: project ? await repository.listPublicSessions(trx, options.lgCode, project.id, now) : [],
    };
  });
  if (!project) throw new AppError('not_found');
  const mine = options.personId
    ? (
        await withPerson(options.db, options.personId, (trx) =>
          applications.listApplicationsOfPerson(trx, options.personId!),
        )
      ).filter((row) => row.lg_code === options.lgCode && row.project_id === project.id)
    : [];
  const names = await organisations.governmentNames(options.db, [options.lgCode]);
  return {
    project: {
      lgCode: project.lg_code,
      id: project.id,
      governmentName: names.get(project.lg_code) ?? project.lg_code,
      title: project.title,
      description: project.description,
      category: project.category,
      placeName: project.place_name,
      placeAddress: project.place_address,
      whatToBring: project.what_to_bring,
      contact: project.contact,
      accessibility: project.accessibility,
      organisationName: project.organisation_name ?? null,
      organisationKind: project.organisation_kind ?? null,
      designated: Boolean(project.designated),
    },
    sessions: sessions.map((session) => {
      const application = mine.find(
        (row) => row.session_id === session.id && (row.status === 'confirmed' || row.status === 'waitlisted'),
      );
      return {
        id: session.id,
        startsAt: session.starts_at,
        endsAt: session.ends_at,
        capacity: session.capacity,
        placesLeft: session.capacity === null ? null : Math.max(0, session.capacity - session.confirmed_count),
        status: session.status,
        ended: session.ends_at <= now,
        note: session.note,
        myApplication: application ? { id: application.id, status: application.status } : null,
      };
    }),
  };
}
