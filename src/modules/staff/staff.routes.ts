import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { staffRoles } from '../../platform/auth/tenant-roles.js';
import { AppError } from '../../platform/errors.js';
import { createRouter, type AppEnv, type AppRouter } from '../../platform/http/app.js';
import { csrfHeaderName } from '../../platform/http/csrf.js';
import { problemResponse } from '../../platform/http/problem.js';
import { requireSession } from '../../platform/http/session.js';
import { LgCode } from '../../platform/lg-code.js';
import { confirmTotpEnrolment, hasConfirmedTotp, startTotpEnrolment, verifyTotp } from './second-factor.service.js';
import {
  acceptInvitation,
  changeStaffRole,
  enterTenantStaffArea,
  inviteStaff,
  listMyStaffTenants,
  listOpenInvitations,
  listStaffMembers,
  listTenantAuditEvents,
  removeStaffMember,
  resolveSessionActor,
  revokeInvitation,
  type StaffInvitation,
  type StaffMember,
} from './staff.service.js';

const tags = ['staff'];
const csrfNote = `State-changing requests need the \`${csrfHeaderName}\` header with the value of the \`csrf\` cookie.`;
const areaNote =
  'Needs a session of a staff member of this local government (or an operator) that proved a second factor. ' +
  'A local government whose staff you are not is answered with 404, exactly like one that does not exist.';

const Role = z.enum(staffRoles).meta({
  description: 'tenant_admin (自治体管理者), tenant_staff (自治体職員), organisation_staff (団体担当者)',
});

const MemberSchema = z
  .object({
    id: z.uuid(),
    personId: z.uuid(),
    email: z.string(),
    role: Role,
    organisationId: z.uuid().nullable(),
    invitedBy: z.string().nullable(),
    joinedAt: z.iso.datetime(),
  })
  .openapi('StaffMember');

const InvitationSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    role: Role,
    organisationId: z.uuid().nullable(),
    invitedBy: z.string(),
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime(),
    expired: z.boolean(),
  })
  .openapi('StaffInvitation');

const AuditEventSchema = z
  .object({
    id: z.uuid(),
    occurredAt: z.iso.datetime(),
    actor: z.object({ kind: z.string(), id: z.string().nullable() }),
    action: z.string().meta({ example: 'staff.role_changed' }),
    subject: z.object({ type: z.string(), id: z.string().nullable() }),
    data: z.record(z.string(), z.unknown()).meta({ description: 'What changed, by identifiers only' }),
  })
  .openapi('AuditEvent');

const TenantParams = z.object({ lgCode: LgCode.meta({ param: { name: 'lgCode', in: 'path' } }) });
const CodeBody = z.object({ code: z.string().regex(/^\d{6}$/) });

const areaErrors = {
  401: problemResponse('Not signed in'),
  403: problemResponse('No second factor in this session (second_factor_required), or the role does not allow it'),
  404: problemResponse('Not a staff member of this local government, or no such local government'),
} as const;

function memberJson(member: StaffMember) {
  return { ...member, joinedAt: member.joinedAt.toISOString() };
}

function invitationJson(invitation: StaffInvitation) {
  return {
    ...invitation,
    createdAt: invitation.createdAt.toISOString(),
    expiresAt: invitation.expiresAt.toISOString(),
  };
}

const myStaffRoute = createRoute({
  method: 'get',
  path: '/api/v1/staff/memberships',
  tags,
  summary: 'The local governments the signed-in person is staff of',
  responses: {
    200: {
      description: 'Memberships, and whether this session may do staff work now',
      content: {
        'application/json': {
          schema: z.object({
            items: z.array(z.object({ lgCode: z.string(), name: z.string(), role: Role, membershipId: z.uuid() })),
            operator: z.boolean(),
            secondFactor: z.boolean().meta({ description: 'This session proved a second factor recently' }),
            totpEnrolled: z.boolean(),
          }),
        },
      },
    },
    401: problemResponse('Not signed in'),
  },
});

const enrolRoute = createRoute({
  method: 'post',
  path: '/api/v1/staff/second-factor/totp/enrolment',
  tags,
  summary: 'Start setting up an authenticator app (TOTP)',
  description: `For staff and operators. Returns the otpauth:// URI, the secret and a QR code. ${csrfNote}`,
  responses: {
    200: {
      description: 'What the authenticator app needs',
      content: {
        'application/json': {
          schema: z.object({ uri: z.string(), secret: z.string(), qrCodeDataUri: z.string() }),
        },
      },
    },
    401: problemResponse('Not signed in'),
    403: problemResponse('Not a staff member or operator'),
    409: problemResponse('An authenticator app is already set up'),
  },
});

const confirmRoute = createRoute({
  method: 'post',
  path: '/api/v1/staff/second-factor/totp/enrolment/confirm',
  tags,
  summary: 'Finish setting up the authenticator app with its first code',
  description: `Also proves the second factor for this session. ${csrfNote}`,
  request: { body: { required: true, content: { 'application/json': { schema: CodeBody } } } },
  responses: {
    204: { description: 'Set up; this session has a second factor' },
    400: problemResponse('Wrong or reused code, or no enrolment started'),
    401: problemResponse('Not signed in'),
    429: problemResponse('Too many attempts'),
  },
});

const verifyRoute = createRoute({
  method: 'post',
  path: '/api/v1/staff/second-factor/totp',
  tags,
  summary: 'Prove the second factor for this session with a code from the authenticator app',
  description: `Each code is accepted once. ${csrfNote}`,
  request: { body: { required: true, content: { 'application/json': { schema: CodeBody } } } },
  responses: {
    204: { description: 'This session has a second factor' },
    400: problemResponse('Wrong or reused code, or no authenticator app set up'),
    401: problemResponse('Not signed in'),
    429: problemResponse('Too many attempts'),
  },
});

const acceptRoute = createRoute({
  method: 'post',
  path: '/api/v1/staff/invitations/accept',
  tags,
  summary: 'Accept a staff invitation (signed in with the invited address)',
  description: csrfNote,
  request: {
    body: {
      required: true,
      content: { 'application/json': { schema: z.object({ token: z.string().min(1).max(200) }) } },
    },
  },
  responses: {
    200: {
      description: 'The new membership',
      content: { 'application/json': { schema: z.object({ lgCode: z.string(), member: MemberSchema }) } },
    },
    401: problemResponse('Not signed in'),
    403: problemResponse('The invitation is for another address'),
    409: problemResponse('Invitation unknown, withdrawn, used or expired; or already a member'),
  },
});

const tenantMeRoute = createRoute({
  method: 'get',
  path: '/api/v1/tenants/{lgCode}/me',
  tags,
  summary: 'My role and permissions in this local government',
  description: areaNote,
  request: { params: TenantParams },
  responses: {
    200: {
      description: 'Role and permissions',
      content: {
        'application/json': {
          schema: z.object({
            lgCode: z.string(),
            name: z.string(),
            role: Role.nullable().meta({ description: 'null for an operator without a membership' }),
            permissions: z.object({
              manageStaff: z.boolean(),
              readAuditTrail: z.boolean(),
              updateSettings: z.boolean(),
            }),
          }),
        },
      },
    },
    ...areaErrors,
  },
});

const listMembersRoute = createRoute({
  method: 'get',
  path: '/api/v1/tenants/{lgCode}/members',
  tags,
  summary: 'Staff members of the local government (administrators)',
  description: areaNote,
  request: { params: TenantParams },
  responses: {
    200: {
      description: 'Active members, oldest first',
      content: { 'application/json': { schema: z.object({ items: z.array(MemberSchema) }) } },
    },
    ...areaErrors,
  },
});

const MemberParams = TenantParams.extend({ membershipId: z.string().max(64) });

const updateMemberRoute = createRoute({
  method: 'patch',
  path: '/api/v1/tenants/{lgCode}/members/{membershipId}',
  tags,
  summary: "Change a member's role (administrators)",
  description: `${areaNote} The last administrator cannot be demoted (409). ${csrfNote}`,
  request: {
    params: MemberParams,
    body: {
      required: true,
      content: {
        'application/json': { schema: z.object({ role: Role, organisationId: z.uuid().optional() }) },
      },
    },
  },
  responses: {
    200: { description: 'The member', content: { 'application/json': { schema: MemberSchema } } },
    400: problemResponse('Invalid role'),
    ...areaErrors,
    409: problemResponse('Would leave the local government without an administrator'),
  },
});

const removeMemberRoute = createRoute({
  method: 'delete',
  path: '/api/v1/tenants/{lgCode}/members/{membershipId}',
  tags,
  summary: 'Remove a member (administrators)',
  description: `${areaNote} The last administrator cannot be removed (409). ${csrfNote}`,
  request: { params: MemberParams },
  responses: {
    204: { description: 'Removed' },
    ...areaErrors,
    409: problemResponse('Would leave the local government without an administrator'),
  },
});

const listInvitationsRoute = createRoute({
  method: 'get',
  path: '/api/v1/tenants/{lgCode}/invitations',
  tags,
  summary: 'Open staff invitations (administrators)',
  description: areaNote,
  request: { params: TenantParams },
  responses: {
    200: {
      description: 'Invitations not yet accepted or withdrawn, newest first',
      content: { 'application/json': { schema: z.object({ items: z.array(InvitationSchema) }) } },
    },
    ...areaErrors,
  },
});

const inviteRoute = createRoute({
  method: 'post',
  path: '/api/v1/tenants/{lgCode}/invitations',
  tags,
  summary: 'Invite an e-mail address to the staff with a role (administrators, operators)',
  description: `${areaNote} The link goes only to the invited address and is valid for 7 days. ${csrfNote}`,
  request: {
    params: TenantParams,
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({ email: z.string().max(254), role: Role, organisationId: z.uuid().optional() }),
        },
      },
    },
  },
  responses: {
    201: { description: 'Invitation sent', content: { 'application/json': { schema: InvitationSchema } } },
    400: problemResponse('Invalid address or role'),
    ...areaErrors,
    409: problemResponse('The address already belongs to a member'),
  },
});

const revokeInvitationRoute = createRoute({
  method: 'delete',
  path: '/api/v1/tenants/{lgCode}/invitations/{invitationId}',
  tags,
  summary: 'Withdraw an open invitation (administrators)',
  description: `${areaNote} ${csrfNote}`,
  request: { params: TenantParams.extend({ invitationId: z.string().max(64) }) },
  responses: { 204: { description: 'Withdrawn' }, ...areaErrors },
});

const auditRoute = createRoute({
  method: 'get',
  path: '/api/v1/tenants/{lgCode}/audit-events',
  tags,
  summary: "The local government's audit trail, newest first (administrators, operators)",
  description: `${areaNote} Page on with \`before\` = \`nextBefore\` of the previous page.`,
  request: {
    params: TenantParams,
    query: z.object({
      before: z.uuid().optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
    }),
  },
  responses: {
    200: {
      description: 'One page of events',
      content: {
        'application/json': {
          schema: z.object({ items: z.array(AuditEventSchema), nextBefore: z.uuid().nullable() }),
        },
      },
    },
    ...areaErrors,
  },
});

function deps(c: Context<AppEnv>) {
  const { database, config } = c.get('deps');
  return { db: database.db, config, requestId: c.get('requestId') };
}

/** Every tenant route starts here: session, membership (else 404), second factor (else 403). */
function enterArea(c: Context<AppEnv>, lgCode: string) {
  return enterTenantStaffArea({ ...deps(c), session: requireSession(c), lgCode });
}

export function staffRoutes(): AppRouter {
  const router = createRouter();

  router.openapi(myStaffRoute, async (c) => {
    const session = requireSession(c);
    const actor = await resolveSessionActor({ ...deps(c), session });
    return c.json(
      {
        items: await listMyStaffTenants({ db: deps(c).db, actor }),
        operator: actor.kind === 'operator',
        secondFactor: actor.secondFactor === true,
        totpEnrolled: await hasConfirmedTotp({ db: deps(c).db, personId: session.personId }),
      },
      200,
    );
  });

  router.openapi(enrolRoute, async (c) => {
    const session = requireSession(c);
    const actor = await resolveSessionActor({ ...deps(c), session });
    if (actor.kind === 'person') throw new AppError('forbidden');
    const enrolment = await startTotpEnrolment({ ...deps(c), session });
    if (enrolment.enrolled) {
      throw new AppError('conflict', {
        detail: { ja: '認証アプリはすでに設定されています。', en: 'An authenticator app is already set up.' },
      });
    }
    return c.json({ uri: enrolment.uri, secret: enrolment.secret, qrCodeDataUri: enrolment.qrCodeDataUri }, 200);
  });

  router.openapi(confirmRoute, async (c) => {
    await confirmTotpEnrolment({ ...deps(c), session: requireSession(c), code: c.req.valid('json').code });
    return c.body(null, 204);
  });

  router.openapi(verifyRoute, async (c) => {
    await verifyTotp({ ...deps(c), session: requireSession(c), code: c.req.valid('json').code });
    return c.body(null, 204);
  });

  router.openapi(acceptRoute, async (c) => {
    const result = await acceptInvitation({ ...deps(c), session: requireSession(c), token: c.req.valid('json').token });
    return c.json({ lgCode: result.lgCode, member: memberJson(result.member) }, 200);
  });

  router.openapi(tenantMeRoute, async (c) => {
    const area = await enterArea(c, c.req.valid('param').lgCode);
    return c.json(
      { lgCode: area.tenant.lgCode, name: area.tenant.name, role: area.role, permissions: area.permissions },
      200,
    );
  });

  router.openapi(listMembersRoute, async (c) => {
    const { lgCode } = c.req.valid('param');
    const { actor } = await enterArea(c, lgCode);
    const members = await listStaffMembers({ db: deps(c).db, actor, lgCode });
    return c.json({ items: members.map(memberJson) }, 200);
  });

  router.openapi(updateMemberRoute, async (c) => {
    const { lgCode, membershipId } = c.req.valid('param');
    const { actor } = await enterArea(c, lgCode);
    const member = await changeStaffRole({ db: deps(c).db, actor, lgCode, membershipId, input: c.req.valid('json') });
    return c.json(memberJson(member), 200);
  });

  router.openapi(removeMemberRoute, async (c) => {
    const { lgCode, membershipId } = c.req.valid('param');
    const { actor } = await enterArea(c, lgCode);
    await removeStaffMember({ db: deps(c).db, actor, lgCode, membershipId });
    return c.body(null, 204);
  });

  router.openapi(listInvitationsRoute, async (c) => {
    const { lgCode } = c.req.valid('param');
    const { actor } = await enterArea(c, lgCode);
    const invitations = await listOpenInvitations({ db: deps(c).db, actor, lgCode });
    return c.json({ items: invitations.map(invitationJson) }, 200);
  });

  router.openapi(inviteRoute, async (c) => {
    const { lgCode } = c.req.valid('param');
    const { actor } = await enterArea(c, lgCode);
    const { invitation } = await inviteStaff({ ...deps(c), actor, lgCode, input: c.req.valid('json') });
    return c.json(invitationJson(invitation), 201);
  });

  router.openapi(revokeInvitationRoute, async (c) => {
    const { lgCode, invitationId } = c.req.valid('param');
    const { actor } = await enterArea(c, lgCode);
    await revokeInvitation({ db: deps(c).db, actor, lgCode, invitationId });
    return c.body(null, 204);
  });

  router.openapi(auditRoute, async (c) => {
    const { lgCode } = c.req.valid('param');
    const { before, limit } = c.req.valid('query');
    const { actor } = await enterArea(c, lgCode);
    const page = await listTenantAuditEvents({ db: deps(c).db, actor, lgCode, limit, ...(before ? { before } : {}) });
    return c.json(
      {
        items: page.items.map((item) => ({ ...item, occurredAt: item.occurredAt.toISOString() })),
        nextBefore: page.nextBefore,
      },
      200,
    );
  });

  return router;
}
