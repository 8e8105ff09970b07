import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { projectCategories, organisationKinds } from '../../platform/db/schema.js';
import { csvResponse } from '../../platform/csv.js';
import { AppError } from '../../platform/errors.js';
import { createRouter, type AppEnv, type AppRouter } from '../../platform/http/app.js';
import { csrfHeaderName } from '../../platform/http/csrf.js';
import { problemResponse } from '../../platform/http/problem.js';
import { requireSession } from '../../platform/http/session.js';
import { LgCode } from '../../platform/lg-code.js';
import { enterTenantStaffArea, inviteStaff, revokeInvitation } from '../staff/index.js';
import { checkInJson, OrganisationBodySchema, organisationJson, OrganisationSchema } from './activities.routes.js';
import { messageParticipants, MessageInput } from './applications.service.js';
import {
  CardScanInput,
  getAttendanceReport,
  getRoster,
  getSessionCodeKey,
  ManualAttendanceInput,
  recordAttendanceByHand,
  recordCardScan,
  removeAttendance,
  RemoveAttendanceInput,
  ReportQuery,
  ScanBatchInput,
  syncCardScans,
} from './attendance.service.js';
import { attendanceReportCsv } from './attendance.export.js';
import {
  decideOrganisation,
  getOrganisation,
  listOrganisations,
  registerOrganisation,
  setOrganisationDesignation,
  setOrganisationSuspended,
  updateOrganisation,
} from './organisations.service.js';
import { authorizeActivities, mayManageOrganisations } from './activities.policy.js';
import {
  addSession,
  cancelSession,
  createProject,
  getProject,
  listProjects,
  ProjectListQuery,
  requestProjectDesignation,
  SessionInput,
  setProjectDesignation,
  setProjectStatus,
  setSessionOpen,
  updateProject,
  updateSession,
  type ActivitySession,
  type Project,
} from './projects.service.js';

const tags = ['activities'];
const csrfNote = `State-changing requests need the \`${csrfHeaderName}\` header with the value of the \`csrf\` cookie.`;
const areaNote =
  'Needs a session of this local government’s staff (自治体管理者・自治体職員: every project and organisation of ' +
  'the area) or of a 団体担当者 (their organisation’s projects only) that proved a second factor. Another ' +
  'government’s staff, another organisation’s staff and operators get 404, as for something that does not exist.';

const iso = (date: Date | null) => (date ? date.toISOString() : null);

const lgCodeParam = LgCode.meta({ param: { name: 'lgCode', in: 'path' } });
const idParam = (name: string) =>
  z
    .string()
    .max(64)
    .meta({ param: { name, in: 'path' } });
const TenantParams = z.object({ lgCode: lgCodeParam });
const OrganisationParams = z.object({ lgCode: lgCodeParam, organisationId: idParam('organisationId') });
const ProjectParams = z.object({ lgCode: lgCodeParam, projectId: idParam('projectId') });
const SessionParams = z.object({ lgCode: lgCodeParam, sessionId: idParam('sessionId') });

const areaErrors = {
  401: problemResponse('Not signed in'),
  403: problemResponse('No second factor in this session, or the role does not allow it'),
  404: problemResponse('Not staff of this local government, or no such thing (for this actor)'),
} as const;

const ProjectFields = z.object({
  title: z.string().max(200),
  description: z.string().max(8000).optional(),
  category: z.enum(projectCategories),
  placeName: z.string().max(200).optional(),
  placeAddress: z.string().max(300).optional(),
  placeLgCode: z.string().max(6).optional().meta({ description: 'Municipality where it happens (default: this one)' }),
  whatToBring: z.string().max(1000).optional(),
  contact: z.string().max(500).optional(),
  accessibility: z.string().max(1000).optional(),
});

const ProjectSchema = z
  .object({
    lgCode: z.string(),
    id: z.uuid(),
    organisationId: z.uuid().nullable().meta({ description: "null: the government's own project" }),
    organisationName: z.string().nullable(),
    title: z.string(),
    description: z.string(),
    category: z.enum(projectCategories),
    placeName: z.string(),
    placeAddress: z.string(),
    placeLgCode: z.string().nullable(),
    whatToBring: z.string(),
    contact: z.string(),
    accessibility: z.string(),
    status: z.enum(['draft', 'published', 'cancelled', 'archived']),
    designation: z
      .enum(['inherit', 'designated', 'excluded'])
      .meta({ description: "inherit: follows the organisation's designation (pattern ②)" }),
    designated: z.boolean().meta({ description: 'Counts for premium now' }),
    designationRequestedAt: z.iso.datetime().nullable(),
    designationChangedAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
    publishedAt: z.iso.datetime().nullable(),
  })
  .openapi('Project');

const SessionSchema = z
  .object({
    lgCode: z.string(),
    id: z.uuid(),
    projectId: z.uuid(),
    startsAt: z.iso.datetime(),
    endsAt: z.iso.datetime(),
    capacity: z.number().int().nullable(),
    confirmedCount: z.number().int(),
    waitlistedCount: z.number().int(),
    attendeeCount: z.number().int(),
    status: z.enum(['open', 'closed', 'cancelled']),
    note: z.string(),
  })
  .openapi('ActivitySession');

function projectJson(project: Project): z.infer<typeof ProjectSchema> {
  return {
    ...project,
    designationRequestedAt: iso(project.designationRequestedAt),
    designationChangedAt: iso(project.designationChangedAt),
    createdAt: project.createdAt.toISOString(),
    publishedAt: iso(project.publishedAt),
  };
}

function sessionJson(session: ActivitySession): z.infer<typeof SessionSchema> {
  return { ...session, startsAt: session.startsAt.toISOString(), endsAt: session.endsAt.toISOString() };
}

const CheckInResultSchema = z
  .object({
    result: z.enum(['recorded', 'already_present']),
    attendanceId: z.uuid(),
    lgCode: z.string(),
    sessionId: z.uuid(),
    projectId: z.uuid(),
    projectTitle: z.string(),
    activityDate: z.string(),
    designated: z.boolean(),
    sharedName: z.string().nullable(),
  })
  .openapi('AttendanceRecorded');

const json = <T extends z.ZodType>(schema: T, description = 'OK') => ({
  description,
  content: { 'application/json': { schema } },
});

const body = <T extends z.ZodType>(schema: T) => ({
  body: { required: true, content: { 'application/json': { schema } } },
});

// Organisations.

const listOrganisationsRoute = createRoute({
  method: 'get',
  path: '/api/v1/tenants/{lgCode}/organisations',
  tags,
  summary: 'Related organisations of the government (applications waiting first); a 団体担当者 sees their own',
  description: areaNote,
  request: {
    params: TenantParams,
    query: z.object({ status: z.enum(['pending', 'approved', 'rejected', 'suspended']).optional() }),
  },
  responses: {
    200: json(
      z.object({
        items: z.array(
          z.object({
            id: z.uuid(),
            name: z.string(),
            kind: z.enum(organisationKinds),
            area: z.string(),
            status: z.enum(['pending', 'approved', 'rejected', 'suspended']),
            designated: z.boolean(),
            appliedByPerson: z.boolean(),
            projectCount: z.number().int(),
            createdAt: z.iso.datetime(),
          }),
        ),
      }),
    ),
    ...areaErrors,
  },
});

const registerOrganisationRoute = createRoute({
  method: 'post',
  path: '/api/v1/tenants/{lgCode}/organisations',
  tags,
  summary: 'Register an organisation the government works with (approved at once)',
  description: `${areaNote} The government’s staff only. ${csrfNote}`,
  request: { params: TenantParams, ...body(OrganisationBodySchema) },
  responses: { 201: json(OrganisationSchema, 'Registered'), 400: problemResponse('Invalid input'), ...areaErrors },
});

const getOrganisationRoute = createRoute({
  method: 'get',
  path: '/api/v1/tenants/{lgCode}/organisations/{organisationId}',
  tags,
  summary: 'One organisation, with its 団体担当者 and open invitations',
  description: areaNote,
  request: { params: OrganisationParams },
  responses: {
    200: json(
      z.object({
        organisation: OrganisationSchema,
        staff: z.object({
          members: z.array(z.object({ membershipId: z.uuid(), email: z.string(), joinedAt: z.iso.datetime() })),
          invitations: z.array(
            z.object({
              invitationId: z.uuid(),
              email: z.string(),
              createdAt: z.iso.datetime(),
              expiresAt: z.iso.datetime(),
            }),
          ),
        }),
      }),
    ),
    ...areaErrors,
  },
});

const updateOrganisationRoute = createRoute({
  method: 'patch',
  path: '/api/v1/tenants/{lgCode}/organisations/{organisationId}',
  tags,
  summary: 'Change the organisation’s profile (the government, or the organisation itself)',
  description: `${areaNote} ${csrfNote}`,
  request: { params: OrganisationParams, ...body(OrganisationBodySchema) },
  responses: { 200: json(OrganisationSchema), 400: problemResponse('Invalid input'), ...areaErrors },
});

const decideOrganisationRoute = createRoute({
  method: 'post',
  path: '/api/v1/tenants/{lgCode}/organisations/{organisationId}/decision',
  tags,
  summary: 'Approve an organisation’s application (the applicant becomes its 団体担当者) or reject it with a reason',
  description: `${areaNote} ${csrfNote}`,
  request: {
    params: OrganisationParams,
    ...body(
      z
        .object({ decision: z.enum(['approve', 'reject']), reason: z.string().max(1000).optional() })
        .openapi('OrganisationDecision'),
    ),
  },
  responses: {
    200: json(OrganisationSchema),
    400: problemResponse('A rejection without a reason'),
    ...areaErrors,
    409: problemResponse('Already decided'),
  },
});

const designateOrganisationRoute = createRoute({
  method: 'put',
  path: '/api/v1/tenants/{lgCode}/organisations/{organisationId}/designation',
  tags,
  summary: 'Pattern ②: designate the organisation (its projects count for premium unless excluded), or revoke',
  description:
    `${areaNote} The government’s staff only. Attendance from \`effectiveFrom\` (a Japan date, default today) ` +
    `takes the new designation; earlier days keep theirs. ${csrfNote}`,
  request: {
    params: OrganisationParams,
    ...body(
      z
        .object({
          designated: z.boolean(),
          effectiveFrom: z.string().optional().meta({ description: 'YYYY-MM-DD', example: '2026-12-01' }),
        })
        .openapi('OrganisationDesignation'),
    ),
  },
  responses: {
    200: json(OrganisationSchema),
    400: problemResponse('Invalid date'),
    ...areaErrors,
    409: problemResponse('The organisation is not approved'),
  },
});

const suspendOrganisationRoute = createRoute({
  method: 'put',
  path: '/api/v1/tenants/{lgCode}/organisations/{organisationId}/suspension',
  tags,
  summary: 'Suspend an organisation (its designation ends today) or reinstate it',
  description: `${areaNote} The government’s staff only. ${csrfNote}`,
  request: {
    params: OrganisationParams,
    ...body(z.object({ suspended: z.boolean(), reason: z.string().max(1000).optional() })),
  },
  responses: { 200: json(OrganisationSchema), ...areaErrors, 409: problemResponse('Not in a state to change') },
});

const inviteOrganisationStaffRoute = createRoute({
  method: 'post',
  path: '/api/v1/tenants/{lgCode}/organisations/{organisationId}/staff-invitations',
  tags,
  summary: 'Invite a 団体担当者 of the organisation by e-mail (valid 7 days)',
  description: `${areaNote} The government’s staff only; the organisation must be approved. ${csrfNote}`,
  request: { params: OrganisationParams, ...body(z.object({ email: z.string().max(254) })) },
  responses: {
    201: json(z.object({ invitationId: z.uuid(), email: z.string(), expiresAt: z.iso.datetime() }), 'Invited'),
    400: problemResponse('Invalid address'),
    ...areaErrors,
    409: problemResponse('Already staff of this government, or the organisation is not approved'),
  },
});

const withdrawOrganisationInvitationRoute = createRoute({
  method: 'delete',
  path: '/api/v1/tenants/{lgCode}/organisations/{organisationId}/staff-invitations/{invitationId}',
  tags,
  summary: 'Withdraw an open invitation of a 団体担当者 (its link stops working; audited)',
  description: `${areaNote} The government’s staff only. ${csrfNote}`,
  request: {
    params: z.object({
      lgCode: lgCodeParam,
      organisationId: idParam('organisationId'),
      invitationId: idParam('invitationId'),
    }),
  },
  responses: {
    204: { description: 'Withdrawn' },
    ...areaErrors,
  },
});

// Projects.

const listProjectsRoute = createRoute({
  method: 'get',
  path: '/api/v1/tenants/{lgCode}/projects',
  tags,
  summary: 'Projects of the area (all for the government; their own for a 団体担当者), newest first',
  description: areaNote,
  request: { params: TenantParams, query: ProjectListQuery },
  responses: {
    200: json(
      z.object({
        items: z.array(
          z.object({
            id: z.uuid(),
            title: z.string(),
            category: z.enum(projectCategories),
            status: z.enum(['draft', 'published', 'cancelled', 'archived']),
            designation: z.enum(['inherit', 'designated', 'excluded']),
            designated: z.boolean(),
            designationRequested: z.boolean(),
            organisationId: z.uuid().nullable(),
            organisationName: z.string().nullable(),
            placeName: z.string(),
            nextSessionAt: z.iso.datetime().nullable(),
            sessionCount: z.number().int(),
            createdAt: z.iso.datetime(),
          }),
        ),
        page: z.number().int(),
        perPage: z.number().int(),
        total: z.number().int(),
        totalPages: z.number().int(),
      }),
    ),
    400: problemResponse('Invalid filter'),
    ...areaErrors,
  },
});

const createProjectRoute = createRoute({
  method: 'post',
  path: '/api/v1/tenants/{lgCode}/projects',
  tags,
  summary: 'Plan a project (a draft, shared with the government)',
  description: `${areaNote} A 団体担当者 plans for their organisation; the government for itself or an organisation. ${csrfNote}`,
  request: {
    params: TenantParams,
    ...body(
      ProjectFields.extend({
        organisationId: z
          .uuid()
          .optional()
          .meta({ description: "Government staff: the organisation; absent: the government's own" }),
      }).openapi('ProjectInput'),
    ),
  },
  responses: {
    201: json(ProjectSchema, 'Created'),
    400: problemResponse('Invalid input'),
    ...areaErrors,
    409: problemResponse('The organisation is not approved'),
  },
});

const getProjectRoute = createRoute({
  method: 'get',
  path: '/api/v1/tenants/{lgCode}/projects/{projectId}',
  tags,
  summary: 'One project with its sessions and their counts',
  description: areaNote,
  request: { params: ProjectParams },
  responses: { 200: json(z.object({ project: ProjectSchema, sessions: z.array(SessionSchema) })), ...areaErrors },
});

const updateProjectRoute = createRoute({
  method: 'patch',
  path: '/api/v1/tenants/{lgCode}/projects/{projectId}',
  tags,
  summary: 'Change a project',
  description: `${areaNote} ${csrfNote}`,
  request: { params: ProjectParams, ...body(ProjectFields) },
  responses: { 200: json(ProjectSchema), 400: problemResponse('Invalid input'), ...areaErrors },
});

const projectStatusRoute = createRoute({
  method: 'put',
  path: '/api/v1/tenants/{lgCode}/projects/{projectId}/status',
  tags,
  summary: 'Publish, take back to draft, cancel (sessions to come are cancelled, applicants told) or archive',
  description: `${areaNote} ${csrfNote}`,
  request: {
    params: ProjectParams,
    ...body(z.object({ status: z.enum(['draft', 'published', 'cancelled', 'archived']) })),
  },
  responses: { 200: json(ProjectSchema), ...areaErrors, 409: problemResponse('Not a possible change') },
});

const projectDesignationRoute = createRoute({
  method: 'put',
  path: '/api/v1/tenants/{lgCode}/projects/{projectId}/designation',
  tags,
  summary: 'Pattern ①: designate this project; or exclude it from its organisation’s designation; or inherit',
  description:
    `${areaNote} The government’s staff only. Attendance from \`effectiveFrom\` (default today) takes the new ` +
    `designation; earlier days keep theirs. ${csrfNote}`,
  request: {
    params: ProjectParams,
    ...body(
      z
        .object({
          designation: z.enum(['inherit', 'designated', 'excluded']),
          effectiveFrom: z.string().optional().meta({ description: 'YYYY-MM-DD' }),
        })
        .openapi('ProjectDesignation'),
    ),
  },
  responses: { 200: json(ProjectSchema), 400: problemResponse('Invalid date'), ...areaErrors },
});

const designationRequestRoute = createRoute({
  method: 'post',
  path: '/api/v1/tenants/{lgCode}/projects/{projectId}/designation-request',
  tags,
  summary: 'Ask the government to designate this project',
  description: `${areaNote} ${csrfNote}`,
  request: { params: ProjectParams },
  responses: { 200: json(ProjectSchema), ...areaErrors },
});

const addSessionRoute = createRoute({
  method: 'post',
  path: '/api/v1/tenants/{lgCode}/projects/{projectId}/sessions',
  tags,
  summary: 'Add a session (回): start and end (may span several days), capacity, note',
  description: `${areaNote} ${csrfNote}`,
  request: { params: ProjectParams, ...body(z.object(SessionInput.shape).openapi('SessionInput')) },
  responses: { 201: json(SessionSchema, 'Added'), 400: problemResponse('Invalid input'), ...areaErrors },
});

// Sessions.

const updateSessionRoute = createRoute({
  method: 'patch',
  path: '/api/v1/tenants/{lgCode}/sessions/{sessionId}',
  tags,
  summary: 'Change a session; raising the capacity moves the waiting list up',
  description: `${areaNote} ${csrfNote}`,
  request: { params: SessionParams, ...body(z.object(SessionInput.shape)) },
  responses: {
    200: json(SessionSchema),
    400: problemResponse('Invalid input'),
    ...areaErrors,
    409: problemResponse('Capacity below the confirmed applications, or cancelled'),
  },
});

const sessionOpenRoute = createRoute({
  method: 'put',
  path: '/api/v1/tenants/{lgCode}/sessions/{sessionId}/applications-open',
  tags,
  summary: 'Close applications (check-in still works) or open them again',
  description: `${areaNote} ${csrfNote}`,
  request: { params: SessionParams, ...body(z.object({ open: z.boolean() })) },
  responses: { 200: json(SessionSchema), ...areaErrors, 409: problemResponse('Cancelled') },
});

const cancelSessionRoute = createRoute({
  method: 'post',
  path: '/api/v1/tenants/{lgCode}/sessions/{sessionId}/cancellation',
  tags,
  summary: 'Cancel a session: every applicant is told (with the reason)',
  description: `${areaNote} ${csrfNote}`,
  request: { params: SessionParams, ...body(z.object({ reason: z.string().max(1000).optional() })) },
  responses: { 200: json(SessionSchema), ...areaErrors, 409: problemResponse('The session is over') },
});

const RosterSchema = z
  .object({
    days: z.array(z.string()),
    applications: z.array(
      z.object({
        id: z.uuid(),
        status: z.enum(['confirmed', 'waitlisted', 'cancelled', 'withdrawn']),
        sharedName: z.string().nullable(),
        contactEmail: z.string().nullable(),
        comment: z.string(),
        appliedAt: z.iso.datetime(),
        waitlistPosition: z.number().int().nullable(),
        presentDays: z.array(z.string()),
      }),
    ),
    walkIns: z.array(
      z.object({ attendanceId: z.uuid(), sharedName: z.string().nullable(), presentDays: z.array(z.string()) }),
    ),
    attendance: z.array(
      z.object({
        id: z.uuid(),
        sharedName: z.string().nullable(),
        activityDate: z.string(),
        method: z.enum(['session_qr', 'card_qr', 'manual']),
        designated: z.boolean(),
        status: z.enum(['present', 'removed']),
        scannedAt: z.iso.datetime(),
        recordedAt: z.iso.datetime(),
        removalReason: z.string().nullable(),
      }),
    ),
    messages: z.array(
      z.object({
        id: z.uuid(),
        subject: z.string(),
        body: z.string(),
        audience: z.enum(['confirmed', 'confirmed_and_waitlisted']),
        recipients: z.number().int(),
        sentAt: z.iso.datetime(),
      }),
    ),
  })
  .openapi('SessionRoster');

const rosterRoute = createRoute({
  method: 'get',
  path: '/api/v1/tenants/{lgCode}/sessions/{sessionId}/roster',
  tags,
  summary: 'The roster: applications (waiting list in order), attendance by day, people present without applying',
  description: areaNote,
  request: { params: SessionParams },
  responses: { 200: json(RosterSchema), ...areaErrors },
});

const messageRoute = createRoute({
  method: 'post',
  path: '/api/v1/tenants/{lgCode}/sessions/{sessionId}/messages',
  tags,
  summary: 'Write to the session’s participants (each gets their own mail)',
  description: `${areaNote} ${csrfNote}`,
  request: { params: SessionParams, ...body(z.object(MessageInput.shape).openapi('SessionMessage')) },
  responses: {
    201: json(z.object({ messageId: z.uuid(), recipients: z.number().int() }), 'Sent'),
    400: problemResponse('Invalid input'),
    ...areaErrors,
  },
});

const codeKeyRoute = createRoute({
  method: 'get',
  path: '/api/v1/tenants/{lgCode}/sessions/{sessionId}/check-in-code',
  tags,
  summary: "The organiser's device: the session's code key, to show a code that changes every 30 seconds offline",
  description:
    `${areaNote} The device derives the code of each 30-second slot n as the first 16 bytes of ` +
    'HMAC-SHA256(key, decimal n), base64url, in `{codeBase}{n}.{mac}`. Keep the key on the organiser’s device only.',
  request: { params: SessionParams },
  responses: {
    200: json(
      z.object({
        sessionId: z.uuid(),
        lgCode: z.string(),
        projectTitle: z.string(),
        startsAt: z.iso.datetime(),
        endsAt: z.iso.datetime(),
        status: z.enum(['open', 'closed', 'cancelled']),
        key: z.string(),
        slotSeconds: z.number().int(),
        serverTime: z.iso.datetime(),
        codeBase: z.string(),
        currentCode: z.string(),
      }),
    ),
    ...areaErrors,
  },
});

const cardScanRoute = createRoute({
  method: 'post',
  path: '/api/v1/tenants/{lgCode}/sessions/{sessionId}/attendance',
  tags,
  summary: 'Record attendance from a scanned 登録証 (registration card) QR code',
  description:
    `${areaNote} The card must have been valid when scanned (\`scannedAt\`, default now; at most 72 hours ago) ` +
    'and its registration active; within check-in hours. 201 when recorded, 200 when the person was already ' +
    `present that day (or this \`clientScanId\` was recorded before). ${csrfNote}`,
  request: { params: SessionParams, ...body(z.object(CardScanInput.shape).openapi('CardScan')) },
  responses: {
    201: json(CheckInResultSchema, 'Recorded'),
    200: json(CheckInResultSchema, 'Already present'),
    400: problemResponse('Not a valid card, or an invalid scan time'),
    ...areaErrors,
    409: problemResponse('Outside check-in hours, too late to sync, or the session is cancelled'),
  },
});

const syncRoute = createRoute({
  method: 'post',
  path: '/api/v1/tenants/{lgCode}/sessions/{sessionId}/attendance/sync',
  tags,
  summary: 'The offline queue: record many card scans, each on its own, idempotently by clientScanId',
  description: `${areaNote} Each scan gets its own outcome; resending a batch records nothing twice. ${csrfNote}`,
  request: { params: SessionParams, ...body(z.object(ScanBatchInput.shape).openapi('ScanBatch')) },
  responses: {
    200: json(
      z.object({
        outcomes: z.array(
          z.union([
            CheckInResultSchema.extend({ clientScanId: z.uuid(), ok: z.literal(true) }),
            z.object({
              clientScanId: z.uuid(),
              ok: z.literal(false),
              code: z.string(),
              message: z.object({ ja: z.string(), en: z.string() }),
            }),
          ]),
        ),
      }),
    ),
    400: problemResponse('Invalid batch'),
    ...areaErrors,
  },
});

const manualRoute = createRoute({
  method: 'post',
  path: '/api/v1/tenants/{lgCode}/sessions/{sessionId}/attendance/manual',
  tags,
  summary: 'Record by hand that an applicant (or someone present another day) was present, with a reason',
  description: `${areaNote} Audited. ${csrfNote}`,
  request: { params: SessionParams, ...body(z.object(ManualAttendanceInput.shape).openapi('ManualAttendance')) },
  responses: {
    201: json(CheckInResultSchema, 'Recorded'),
    200: json(CheckInResultSchema, 'Already present'),
    400: problemResponse('Invalid input'),
    ...areaErrors,
  },
});

const removeRoute = createRoute({
  method: 'post',
  path: '/api/v1/tenants/{lgCode}/attendance/{attendanceId}/removal',
  tags,
  summary: 'Remove a wrong attendance (kept as removed, with the reason)',
  description: `${areaNote} Audited. ${csrfNote}`,
  request: {
    params: z.object({ lgCode: lgCodeParam, attendanceId: idParam('attendanceId') }),
    ...body(z.object(RemoveAttendanceInput.shape)),
  },
  responses: { 204: { description: 'Removed' }, 400: problemResponse('No reason'), ...areaErrors },
});

const reportRoute = createRoute({
  method: 'get',
  path: '/api/v1/tenants/{lgCode}/attendance-report',
  tags,
  summary: 'Attendance per project and session in a fiscal year (CSV with format=csv)',
  description: `${areaNote} A 団体担当者 gets their organisation's projects. The CSV download is audited.`,
  request: {
    params: TenantParams,
    query: ReportQuery.extend({ format: z.enum(['json', 'csv']).default('json') }),
  },
  responses: {
    200: {
      description: 'The report',
      content: {
        'application/json': {
          schema: z.object({
            fiscalYear: z.number().int(),
            from: z.string(),
            to: z.string(),
            totals: z.object({
              sessions: z.number().int(),
              personDays: z.number().int(),
              designatedPersonDays: z.number().int(),
            }),
            projects: z.array(
              z.object({
                projectId: z.uuid(),
                title: z.string(),
                category: z.string(),
                organisationName: z.string().nullable(),
                designatedNow: z.boolean(),
                sessions: z.array(
                  z.object({
                    sessionId: z.uuid(),
                    startsAt: z.iso.datetime(),
                    endsAt: z.iso.datetime(),
                    capacity: z.number().int().nullable(),
                    confirmed: z.number().int(),
                    people: z.number().int(),
                    personDays: z.number().int(),
                    designatedPersonDays: z.number().int(),
                  }),
                ),
              }),
            ),
          }),
        },
        'text/csv': { schema: z.string() },
      },
    },
    ...areaErrors,
  },
});

function deps(c: Context<AppEnv>) {
  const { database, config } = c.get('deps');
  return { db: database.db, config, requestId: c.get('requestId') };
}

/** Session, membership (else 404), second factor (else 403); the services then ask the activities policy. */
async function enterArea(c: Context<AppEnv>, lgCode: string) {
  const area = await enterTenantStaffArea({ ...deps(c), session: requireSession(c), lgCode });
  return { db: deps(c).db, config: deps(c).config, actor: area.actor, lgCode };
}

export function staffActivityRoutes(): AppRouter {
  const router = createRouter();

  router.openapi(listOrganisationsRoute, async (c) => {
    const scope = await enterArea(c, c.req.valid('param').lgCode);
    const status = c.req.valid('query').status;
    const items = await listOrganisations({ ...scope, ...(status ? { status } : {}) });
    return c.json({ items: items.map((item) => ({ ...item, createdAt: item.createdAt.toISOString() })) }, 200);
  });

  router.openapi(registerOrganisationRoute, async (c) => {
    const scope = await enterArea(c, c.req.valid('param').lgCode);
    return c.json(organisationJson(await registerOrganisation({ ...scope, input: c.req.valid('json') })), 201);
  });

  router.openapi(getOrganisationRoute, async (c) => {
    const { lgCode, organisationId } = c.req.valid('param');
    const scope = await enterArea(c, lgCode);
    const result = await getOrganisation({ ...scope, organisationId });
    return c.json(
      {
        organisation: organisationJson(result.organisation),
        staff: {
          members: result.staff.members.map((member) => ({ ...member, joinedAt: member.joinedAt.toISOString() })),
          invitations: result.staff.invitations.map((invitation) => ({
            ...invitation,
            createdAt: invitation.createdAt.toISOString(),
            expiresAt: invitation.expiresAt.toISOString(),
          })),
        },
      },
      200,
    );
  });

  router.openapi(updateOrganisationRoute, async (c) => {
    const { lgCode, organisationId } = c.req.valid('param');
    const scope = await enterArea(c, lgCode);
    return c.json(
      organisationJson(await updateOrganisation({ ...scope, organisationId, input: c.req.valid('json') })),
      200,
    );
  });

  router.openapi(decideOrganisationRoute, async (c) => {
    const { lgCode, organisationId } = c.req.valid('param');
    const { decision, reason } = c.req.valid('json');
    const scope = await enterArea(c, lgCode);
    const decided = await decideOrganisation({
      ...scope,
      organisationId,
      input: decision === 'approve' ? { decision } : { decision, reason: reason ?? '' },
    });
    return c.json(organisationJson(decided), 200);
  });

  router.openapi(designateOrganisationRoute, async (c) => {
    const { lgCode, organisationId } = c.req.valid('param');
    const { designated, effectiveFrom } = c.req.valid('json');
    const scope = await enterArea(c, lgCode);
    const organisation = await setOrganisationDesignation({
      ...scope,
      organisationId,
      designated,
      ...(effectiveFrom ? { effectiveFrom } : {}),
    });
    return c.json(organisationJson(organisation), 200);
  });

  router.openapi(suspendOrganisationRoute, async (c) => {
    const { lgCode, organisationId } = c.req.valid('param');
    const { suspended, reason } = c.req.valid('json');
    const scope = await enterArea(c, lgCode);
    const organisation = await setOrganisationSuspended({
      ...scope,
      organisationId,
      suspended,
      ...(reason ? { reason } : {}),
    });
    return c.json(organisationJson(organisation), 200);
  });

  router.openapi(inviteOrganisationStaffRoute, async (c) => {
    const { lgCode, organisationId } = c.req.valid('param');
    const scope = await enterArea(c, lgCode);
    authorizeActivities(scope.actor, lgCode, mayManageOrganisations(scope.actor, lgCode));
    const { organisation } = await getOrganisation({ ...scope, organisationId });
    if (organisation.status !== 'approved') throw new AppError('organisation_not_approved');
    const { invitation } = await inviteStaff({
      ...scope,
      input: { email: c.req.valid('json').email, role: 'organisation_staff', organisationId: organisation.id },
    });
    return c.json(
      { invitationId: invitation.id, email: invitation.email, expiresAt: invitation.expiresAt.toISOString() },
      201,
    );
  });

  router.openapi(withdrawOrganisationInvitationRoute, async (c) => {
    const { lgCode, organisationId, invitationId } = c.req.valid('param');
    const scope = await enterArea(c, lgCode);
    authorizeActivities(scope.actor, lgCode, mayManageOrganisations(scope.actor, lgCode));
    await revokeInvitation({ ...scope, invitationId, organisationId });
    return c.body(null, 204);
  });

  router.openapi(listProjectsRoute, async (c) => {
    const scope = await enterArea(c, c.req.valid('param').lgCode);
    const result = await listProjects({ ...scope, query: c.req.valid('query') });
    return c.json(
      {
        ...result,
        items: result.items.map((item) => ({
          ...item,
          nextSessionAt: iso(item.nextSessionAt),
          createdAt: item.createdAt.toISOString(),
        })),
      },
      200,
    );
  });

  router.openapi(createProjectRoute, async (c) => {
    const scope = await enterArea(c, c.req.valid('param').lgCode);
    return c.json(projectJson(await createProject({ ...scope, input: c.req.valid('json') })), 201);
  });

  router.openapi(getProjectRoute, async (c) => {
    const { lgCode, projectId } = c.req.valid('param');
    const scope = await enterArea(c, lgCode);
    const result = await getProject({ ...scope, projectId });
    return c.json({ project: projectJson(result.project), sessions: result.sessions.map(sessionJson) }, 200);
  });

  router.openapi(updateProjectRoute, async (c) => {
    const { lgCode, projectId } = c.req.valid('param');
    const scope = await enterArea(c, lgCode);
    return c.json(projectJson(await updateProject({ ...scope, projectId, input: c.req.valid('json') })), 200);
  });

  router.openapi(projectStatusRoute, async (c) => {
    const { lgCode, projectId } = c.req.valid('param');
    const scope = await enterArea(c, lgCode);
    return c.json(
      projectJson(await setProjectStatus({ ...scope, projectId, status: c.req.valid('json').status })),
      200,
    );
  });

  router.openapi(projectDesignationRoute, async (c) => {
    const { lgCode, projectId } = c.req.valid('param');
    const { designation, effectiveFrom } = c.req.valid('json');
    const scope = await enterArea(c, lgCode);
    const project = await setProjectDesignation({
      ...scope,
      projectId,
      designation,
      ...(effectiveFrom ? { effectiveFrom } : {}),
    });
    return c.json(projectJson(project), 200);
  });

  router.openapi(designationRequestRoute, async (c) => {
    const { lgCode, projectId } = c.req.valid('param');
    const scope = await enterArea(c, lgCode);
    return c.json(projectJson(await requestProjectDesignation({ ...scope, projectId })), 200);
  });

  router.openapi(addSessionRoute, async (c) => {
    const { lgCode, projectId } = c.req.valid('param');
    const scope = await enterArea(c, lgCode);
    return c.json(sessionJson(await addSession({ ...scope, projectId, input: c.req.valid('json') })), 201);
  });

  router.openapi(updateSessionRoute, async (c) => {
    const { lgCode, sessionId } = c.req.valid('param');
    const scope = await enterArea(c, lgCode);
    return c.json(sessionJson(await updateSession({ ...scope, sessionId, input: c.req.valid('json') })), 200);
  });

  router.openapi(sessionOpenRoute, async (c) => {
    const { lgCode, sessionId } = c.req.valid('param');
    const scope = await enterArea(c, lgCode);
    return c.json(sessionJson(await setSessionOpen({ ...scope, sessionId, open: c.req.valid('json').open })), 200);
  });

  router.openapi(cancelSessionRoute, async (c) => {
    const { lgCode, sessionId } = c.req.valid('param');
    const scope = await enterArea(c, lgCode);
    const reason = c.req.valid('json').reason;
    return c.json(sessionJson(await cancelSession({ ...scope, sessionId, ...(reason ? { reason } : {}) })), 200);
  });

  router.openapi(rosterRoute, async (c) => {
    const { lgCode, sessionId } = c.req.valid('param');
    const scope = await enterArea(c, lgCode);
    const roster = await getRoster({ ...scope, sessionId });
    return c.json(
      {
        days: roster.days,
        applications: roster.applications.map((row) => ({ ...row, appliedAt: row.appliedAt.toISOString() })),
        walkIns: roster.walkIns,
        attendance: roster.attendance.map((row) => ({
          ...row,
          scannedAt: new Date(row.scannedAt).toISOString(),
          recordedAt: row.recordedAt.toISOString(),
        })),
        messages: roster.messages.map((row) => ({ ...row, sentAt: row.sent_at.toISOString() })),
      },
      200,
    );
  });

  router.openapi(messageRoute, async (c) => {
    const { lgCode, sessionId } = c.req.valid('param');
    const scope = await enterArea(c, lgCode);
    return c.json(await messageParticipants({ ...scope, sessionId, input: c.req.valid('json') }), 201);
  });

  router.openapi(codeKeyRoute, async (c) => {
    const { lgCode, sessionId } = c.req.valid('param');
    const scope = await enterArea(c, lgCode);
    const key = await getSessionCodeKey({ ...scope, sessionId });
    c.header('Cache-Control', 'no-store');
    return c.json(
      {
        ...key,
        startsAt: key.startsAt.toISOString(),
        endsAt: key.endsAt.toISOString(),
        serverTime: key.serverTime.toISOString(),
      },
      200,
    );
  });

  router.openapi(cardScanRoute, async (c) => {
    const { lgCode, sessionId } = c.req.valid('param');
    const scope = await enterArea(c, lgCode);
    const recorded = await recordCardScan({ ...scope, sessionId, input: c.req.valid('json') });
    return c.json(checkInJson(recorded), recorded.result === 'recorded' ? 201 : 200);
  });

  router.openapi(syncRoute, async (c) => {
    const { lgCode, sessionId } = c.req.valid('param');
    const scope = await enterArea(c, lgCode);
    const outcomes = await syncCardScans({ ...scope, sessionId, input: c.req.valid('json') });
    return c.json({ outcomes }, 200);
  });

  router.openapi(manualRoute, async (c) => {
    const { lgCode, sessionId } = c.req.valid('param');
    const scope = await enterArea(c, lgCode);
    const recorded = await recordAttendanceByHand({ ...scope, sessionId, input: c.req.valid('json') });
    return c.json(checkInJson(recorded), recorded.result === 'recorded' ? 201 : 200);
  });

  router.openapi(removeRoute, async (c) => {
    const { lgCode, attendanceId } = c.req.valid('param');
    const scope = await enterArea(c, lgCode);
    await removeAttendance({ ...scope, attendanceId, input: c.req.valid('json') });
    return c.body(null, 204);
  });

  router.openapi(reportRoute, async (c) => {
    const { lgCode } = c.req.valid('param');
    const { fiscalYear, format } = c.req.valid('query');
    const scope = await enterArea(c, lgCode);
    const report = await getAttendanceReport({ ...scope, ...(fiscalYear ? { fiscalYear } : {}) });
    if (format === 'csv') return csvResponse(await attendanceReportCsv({ ...scope, report }));
    return c.json(
      {
        ...report,
        projects: report.projects.map((project) => ({
          ...project,
          sessions: project.sessions.map((session) => ({
            ...session,
            startsAt: session.startsAt.toISOString(),
            endsAt: session.endsAt.toISOString(),
          })),
        })),
      },
      200,
    );
  });

  return router;
}
