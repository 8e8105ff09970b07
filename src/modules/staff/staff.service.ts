import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { recordAuditEvent, type Actor } from '../../platform/audit.js';
import { hashToken, randomToken } from '../../platform/auth/secrets.js';
import type { CurrentSession } from '../../platform/auth/sessions.js';
import { staffRoleLabels, staffRoles, type TenantMembership } from '../../platform/auth/tenant-roles.js';
import type { Config } from '../../platform/config.js';
import type { Database, StaffInvitationRow, StaffMembershipRow, StaffRole } from '../../platform/db/schema.js';
import { withPerson, withTenant, type TenantScope } from '../../platform/db/tenant-scope.js';
import { AppError } from '../../platform/errors.js';
import { isValidLgCode } from '../../platform/lg-code.js';
import { enqueueMail } from '../../platform/mail/mail.jobs.js';
import { EmailAddress } from '../identity/index.js';
import { getTenant } from '../municipalities/index.js';
import * as repository from './staff.repository.js';
import {
  authorize,
  knowsTenant,
  mayActAsStaff,
  mayInviteOrganisationStaff,
  mayManageStaff,
  mayReadTenantAuditTrail,
  staffPermissions,
} from './staff.policy.js';

/** How long an invitation link stays usable. */
export const invitationDays = 7;
/**
 * How long a proven second factor carries staff work in one session. Sessions last weeks (SESSION_DAYS);
 * staff confirm again each working day, so a forgotten browser on a shared office PC does not stay a
 * staff session for a month.
 */
export const secondFactorHours = 12;

export { staffRoleLabels, staffRoles };

const uuid = z.uuid();

/** Whether the session proved a second factor recently enough for staff work. */
export function hasFreshSecondFactor(session: Pick<CurrentSession, 'secondFactorAt'>, now = new Date()): boolean {
  return (
    session.secondFactorAt !== null &&
    now.getTime() - session.secondFactorAt.getTime() < secondFactorHours * 60 * 60 * 1000
  );
}

/**
 * The actor behind a browser session, with the person's active memberships in every tenant (read in
 * the person's own scope: no tenant is chosen yet) and whether the session proved a second factor.
 * Operators act as `operator`, members as `staff`, everyone else as `person`.
 */
export async function resolveSessionActor(options: {
  db: Kysely<Database>;
  session: CurrentSession;
  requestId?: string;
  now?: Date;
}): Promise<Actor> {
  const { session } = options;
  const [rows, operator] = await withPerson(
    options.db,
    session.personId,
    async (trx) =>
      [
        await repository.listActiveMembershipsOfPerson(trx, session.personId),
        await repository.isOperator(trx, session.personId),
      ] as const,
  );
  const memberships: TenantMembership[] = rows.map((row) => ({
    lgCode: row.lg_code,
    membershipId: row.id,
    role: row.role,
    organisationId: row.organisation_id,
  }));
  return {
    kind: operator ? 'operator' : memberships.length > 0 ? 'staff' : 'person',
    id: session.personId,
    ...(options.requestId ? { requestId: options.requestId } : {}),
    memberships,
    secondFactor: hasFreshSecondFactor(session, options.now),
  };
}

export interface StaffTenant {
  lgCode: string;
  name: string;
  prefectureName: string;
}

function displayName(government: { name: string; prefectureName: string; kind: string }): string {
  return government.kind === 'prefecture' ? government.name : `${government.prefectureName} ${government.name}`;
}

/** The governments the actor is staff of, with names, for the 「どの自治体で作業しますか」 choice. */
export async function listMyStaffTenants(options: { db: Kysely<Database>; actor: Actor }) {
  const memberships = options.actor.memberships ?? [];
  const names = await repository.governmentNames(
    options.db,
    memberships.map((membership) => membership.lgCode),
  );
  return memberships.map((membership) => {
    const government = names.get(membership.lgCode);
    return {
      lgCode: membership.lgCode,
      name: government ? displayName(government) : membership.lgCode,
      role: membership.role,
      membershipId: membership.membershipId,
    };
  });
}

/**
 * The entrance to a tenant's staff area, shared by its pages and its API. Outsiders (no membership,
 * not an operator) and unknown codes get `not_found`, exactly as if the government had no staff area,
 * so one government's staff learn nothing about another's. Members whose session has no fresh second
 * factor get `second_factor_required`.
 */
export async function enterTenantStaffArea(options: {
  db: Kysely<Database>;
  session: CurrentSession;
  lgCode: string;
  requestId?: string;
}) {
  if (!isValidLgCode(options.lgCode)) throw new AppError('not_found');
  const actor = await resolveSessionActor(options);
  if (!knowsTenant(actor, options.lgCode)) throw new AppError('not_found');
  if (!mayActAsStaff(actor, options.lgCode)) throw new AppError('second_factor_required');
  try {
    await getTenant({ db: options.db, lgCode: options.lgCode });
  } catch (error) {
    if (error instanceof AppError && error.code === 'tenant_not_found') throw new AppError('not_found');
    throw error;
  }
  const names = await repository.governmentNames(options.db, [options.lgCode]);
  const government = names.get(options.lgCode);
  const tenant: StaffTenant = {
    lgCode: options.lgCode,
    name: government ? displayName(government) : options.lgCode,
    prefectureName: government?.prefectureName ?? '',
  };
  return {
    actor,
    tenant,
    role: actor.memberships?.find((membership) => membership.lgCode === options.lgCode)?.role ?? null,
    permissions: staffPermissions(actor, options.lgCode),
  };
}

export interface StaffMember {
  id: string;
  personId: string;
  email: string;
  role: StaffRole;
  organisationId: string | null;
  invitedBy: string | null;
  joinedAt: Date;
}

function toMember(row: StaffMembershipRow): StaffMember {
  return {
    id: row.id,
    personId: row.person_id,
    email: row.email,
    role: row.role,
    organisationId: row.organisation_id,
    invitedBy: row.invited_by,
    joinedAt: row.created_at,
  };
}

export interface StaffInvitation {
  id: string;
  email: string;
  role: StaffRole;
  organisationId: string | null;
  invitedBy: string;
  createdAt: Date;
  expiresAt: Date;
  expired: boolean;
}

function toInvitation(row: StaffInvitationRow, now = new Date()): StaffInvitation {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    organisationId: row.organisation_id,
    invitedBy: row.invited_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    expired: row.expires_at <= now,
  };
}

/** Active members of the tenant, oldest first. Administrators (and operators) only. */
export async function listStaffMembers(options: { db: Kysely<Database>; actor: Actor; lgCode: string }) {
  authorize(mayManageStaff(options.actor, options.lgCode));
  return withTenant(options.db, options.lgCode, async (scope) =>
    (await repository.listActiveMembers(scope)).map(toMember),
  );
}

/** Invitations not yet accepted or revoked, newest first. */
export async function listOpenInvitations(options: { db: Kysely<Database>; actor: Actor; lgCode: string }) {
  authorize(mayManageStaff(options.actor, options.lgCode));
  return withTenant(options.db, options.lgCode, async (scope) =>
    (await repository.listOpenInvitations(scope)).map((row) => toInvitation(row)),
  );
}

export const InviteStaffInput = z.object({
  email: EmailAddress,
  role: z.enum(staffRoles),
  organisationId: uuid.optional(),
});
export type InviteStaffInput = z.input<typeof InviteStaffInput>;

/** Only an organisation's staff member refers to an organisation; for other roles it is dropped. */
function organisationFor(role: StaffRole, organisationId: string | undefined): string | null {
  return role === 'organisation_staff' ? (organisationId ?? null) : null;
}

/** A 団体担当者 works for an organisation the government knows; any other id is the caller's mistake. */
async function requireOrganisation(scope: TenantScope, organisationId: string): Promise<void> {
  if (await repository.organisationExists(scope, organisationId)) return;
  throw new AppError('validation_failed', {
    fieldErrors: [{ field: 'organisationId', in: 'body', message: 'no such organisation in this local government' }],
    detail: {
      ja: '指定された団体は、この自治体に登録されていません。',
      en: 'This organisation is not registered with this local government.',
    },
  });
}

/** Active 団体担当者 of one organisation and the invitations waiting for an answer (government or the organisation). */
export async function listOrganisationStaff(scope: TenantScope, organisationId: string) {
  const [members, invitations] = [
    await repository.listOrganisationMembers(scope, organisationId),
    await repository.listOrganisationInvitations(scope, organisationId),
  ];
  return {
    members: members.map((row) => ({ membershipId: row.id, email: row.email, joinedAt: row.created_at })),
    invitations: invitations.map((row) => ({
      invitationId: row.id,
      email: row.email,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
    })),
  };
}

function invitationMail(options: { governmentName: string; role: StaffRole; link: string; expiresAt: Date }) {
  const expiry = (locale: string) =>
    new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone: 'Asia/Tokyo' }).format(
      options.expiresAt,
    );
  const role = staffRoleLabels[options.role];
  return {
    subject: `【ふるさと住民登録】${options.governmentName}の職員として招待されました / Staff invitation`,
    text:
      `${options.governmentName}から、ふるさと住民登録の「${role.ja}」として招待されました。\n` +
      `次のリンクを開き、このメールアドレスでログインしてから、招待を受けてください（${expiry('ja-JP')}まで有効）。\n` +
      `${options.link}\n\n` +
      '職員用の画面を使うには、認証アプリによる二段階認証の設定が必要です。\n' +
      'お心当たりのない場合は、このメールを破棄してください。\n\n' +
      '----\n' +
      `${options.governmentName} invites you to Furusato Resident Registration as "${role.en}".\n` +
      `Open the link above, sign in with this e-mail address and accept (valid until ${expiry('en-GB')} JST).\n` +
      'Staff pages need a second factor: you will set up an authenticator app.\n' +
      'If you did not expect this mail, you can ignore it.',
  };
}

/** The link token carries its tenant, so that the invitation is looked up inside that tenant's scope. */
function parseInvitationToken(token: string): { lgCode: string; tokenHash: string } | undefined {
  const match = /^(\d{6})\.([A-Za-z0-9_-]{43})$/.exec(token.trim());
  if (!match?.[1] || !isValidLgCode(match[1])) return undefined;
  return { lgCode: match[1], tokenHash: hashToken(token.trim()) };
}

export function invitationLink(config: Pick<Config, 'PUBLIC_URL'>, token: string): string {
  return `${config.PUBLIC_URL}/staff/invitations/accept?token=${encodeURIComponent(token)}`;
}

/**
 * Invites an address to the tenant's staff with a role: stores the invitation (link hashed), records
 * `staff.invited` and queues the mail, in one tenant transaction. Administrators invite; operators too,
 * for a government's first administrator. Returns the link as well, for the operator command (the API
 * never shows it: it is a credential for the invitee alone).
 */
export async function inviteStaff(options: {
  db: Kysely<Database>;
  config: Pick<Config, 'PUBLIC_URL'>;
  actor: Actor;
  lgCode: string;
  input: InviteStaffInput;
}): Promise<{ invitation: StaffInvitation; link: string }> {
  const input = InviteStaffInput.parse(options.input);
  const organisationId = organisationFor(input.role, input.organisationId);
  // The government's staff, who approve organisations, also bring in their 団体担当者.
  authorize(
    organisationId
      ? mayInviteOrganisationStaff(options.actor, options.lgCode)
      : mayManageStaff(options.actor, options.lgCode),
  );
  const tenant = await getTenant({ db: options.db, lgCode: options.lgCode });
  const names = await repository.governmentNames(options.db, [tenant.lgCode]);
  const government = names.get(tenant.lgCode);
  const existingPersonId = await repository.findPersonIdByEmail(options.db, input.email);
  const token = `${tenant.lgCode}.${randomToken()}`;
  const link = invitationLink(options.config, token);
  const invitation = await withTenant(options.db, tenant.lgCode, async (scope) => {
    const member =
      (await repository.findActiveMembership(scope, { email: input.email })) ??
      (existingPersonId ? await repository.findActiveMembership(scope, { personId: existingPersonId }) : undefined);
    if (member) throw new AppError('staff_already_member');
    if (organisationId) await requireOrganisation(scope, organisationId);
    const row = await repository.insertInvitation(scope, {
      id: uuidv7(),
      email: input.email,
      role: input.role,
      organisationId,
      tokenHash: hashToken(token),
      invitedBy: options.actor.id ?? options.actor.kind,
      expiresAt: new Date(Date.now() + invitationDays * 24 * 60 * 60 * 1000),
    });
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: 'staff.invited',
      subjectType: 'staff_invitation',
      subjectId: row.id,
      data: { role: row.role, ...(row.organisation_id ? { organisationId: row.organisation_id } : {}) },
    });
    await enqueueMail(scope.trx, {
      to: input.email,
      ...invitationMail({
        governmentName: government ? displayName(government) : tenant.lgCode,
        role: row.role,
        link,
        expiresAt: row.expires_at,
      }),
    });
    return toInvitation(row);
  });
  return { invitation, link };
}

type InvitationProblem = 'unknown' | 'revoked' | 'accepted' | 'expired';

const invitationProblems: Record<InvitationProblem, { ja: string; en: string }> = {
  unknown: {
    ja: 'この招待リンクは正しくありません。メールのリンクを、途中で切れないようにそのまま開いてください。',
    en: 'This invitation link is not valid. Please open the link from the mail exactly as it is.',
  },
  revoked: {
    ja: 'この招待は取り消されました。必要な場合は、招待した方に連絡してください。',
    en: 'This invitation was withdrawn. Please contact whoever invited you if you still need access.',
  },
  accepted: {
    ja: 'この招待はすでに使われています。職員用の画面からログインしてください。',
    en: 'This invitation has already been used. Please sign in to the staff pages.',
  },
  expired: {
    ja: `この招待は有効期限（${invitationDays}日間）が過ぎています。招待した方に、もう一度招待を依頼してください。`,
    en: `This invitation has expired (it was valid for ${invitationDays} days). Please ask for a new one.`,
  },
};

function invitationProblemOf(row: StaffInvitationRow | undefined, now = new Date()): InvitationProblem | undefined {
  if (!row) return 'unknown';
  if (row.revoked_at) return 'revoked';
  if (row.accepted_at) return 'accepted';
  if (row.expires_at <= now) return 'expired';
  return undefined;
}

function invitationNotUsable(problem: InvitationProblem): AppError {
  return new AppError('invitation_not_usable', { detail: invitationProblems[problem] });
}

/**
 * What an invitation link offers, for the page that asks the invitee to accept. Throws
 * `invitation_not_usable` with the reason (unknown, withdrawn, used, expired) in both languages.
 */
export async function previewInvitation(options: { db: Kysely<Database>; token: string }) {
  const parsed = parseInvitationToken(options.token);
  if (!parsed) throw invitationNotUsable('unknown');
  const row = await withTenant(options.db, parsed.lgCode, (scope) =>
    repository.findInvitationByTokenHash(scope, parsed.tokenHash, { lock: false }),
  );
  const problem = invitationProblemOf(row);
  if (problem || !row) throw invitationNotUsable(problem ?? 'unknown');
  const names = await repository.governmentNames(options.db, [parsed.lgCode]);
  const government = names.get(parsed.lgCode);
  return {
    lgCode: parsed.lgCode,
    governmentName: government ? displayName(government) : parsed.lgCode,
    role: row.role,
    email: row.email,
    expiresAt: row.expires_at,
  };
}

/**
 * The invitee, signed in with the invited address, accepts: the membership is created, the invitation
 * used up and `staff.joined` recorded, in one tenant transaction (the invitation row is locked, so a
 * double click creates one membership).
 */
export async function acceptInvitation(options: {
  db: Kysely<Database>;
  session: CurrentSession;
  token: string;
  requestId?: string;
}): Promise<{ lgCode: string; member: StaffMember }> {
  const parsed = parseInvitationToken(options.token);
  if (!parsed) throw invitationNotUsable('unknown');
  const { session } = options;
  return withTenant(options.db, parsed.lgCode, async (scope) => {
    const row = await repository.findInvitationByTokenHash(scope, parsed.tokenHash, { lock: true });
    const problem = invitationProblemOf(row);
    if (problem || !row) throw invitationNotUsable(problem ?? 'unknown');
    if (row.email !== session.email.toLowerCase()) {
      throw new AppError('forbidden', {
        detail: {
          ja: 'この招待は別のメールアドレス宛てです。招待メールを受け取ったメールアドレスでログインし直してください。',
          en: 'This invitation was sent to another address. Please sign in with the address that received it.',
        },
      });
    }
    if (await repository.findActiveMembership(scope, { personId: session.personId })) {
      throw new AppError('staff_already_member');
    }
    const membership = await repository.insertMembership(scope, {
      id: uuidv7(),
      personId: session.personId,
      email: row.email,
      role: row.role,
      organisationId: row.organisation_id,
      invitedBy: row.invited_by,
    });
    await repository.markInvitationAccepted(scope, row.id, session.personId);
    await recordAuditEvent(scope, {
      actor: { kind: 'staff', id: session.personId, ...(options.requestId ? { requestId: options.requestId } : {}) },
      action: 'staff.joined',
      subjectType: 'staff_membership',
      subjectId: membership.id,
      data: { invitationId: row.id, role: membership.role },
    });
    return { lgCode: parsed.lgCode, member: toMember(membership) };
  });
}

/**
 * Makes a person a 団体担当者 of one organisation, inside the caller's tenant transaction: the government
 * approving an organisation someone applied for brings the applicant in at once (they are signed in
 * already; staff pages still ask them for a second factor). A person who is staff of the tenant already
 * keeps their membership: one membership per person and government.
 */
export async function addOrganisationStaffMember(
  scope: TenantScope,
  options: { actor: Actor; personId: string; email: string; organisationId: string },
): Promise<{ added: boolean; membershipId: string }> {
  const existing = await repository.findActiveMembership(scope, { personId: options.personId });
  if (existing) return { added: false, membershipId: existing.id };
  await requireOrganisation(scope, options.organisationId);
  const membership = await repository.insertMembership(scope, {
    id: uuidv7(),
    personId: options.personId,
    email: options.email.toLowerCase(),
    role: 'organisation_staff',
    organisationId: options.organisationId,
    invitedBy: options.actor.id ?? options.actor.kind,
  });
  await recordAuditEvent(scope, {
    actor: options.actor,
    action: 'staff.joined',
    subjectType: 'staff_membership',
    subjectId: membership.id,
    data: { role: membership.role, organisationId: options.organisationId, through: 'organisation_approval' },
  });
  return { added: true, membershipId: membership.id };
}

/**
 * Withdraws an open invitation; an unknown id, or one of another tenant, is a 404. With `organisationId`
 * only that organisation's 団体担当者 invitations qualify, and whoever may invite them may withdraw them
 * (the government's staff on the organisation's page), as they may invite.
 */
export async function revokeInvitation(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  invitationId: string;
  organisationId?: string;
}): Promise<void> {
  authorize(
    options.organisationId !== undefined
      ? mayInviteOrganisationStaff(options.actor, options.lgCode)
      : mayManageStaff(options.actor, options.lgCode),
  );
  if (!uuid.safeParse(options.invitationId).success) throw new AppError('not_found');
  if (options.organisationId !== undefined && !uuid.safeParse(options.organisationId).success) {
    throw new AppError('not_found');
  }
  await withTenant(options.db, options.lgCode, async (scope) => {
    const row = await repository.revokeOpenInvitation(
      scope,
      options.invitationId,
      options.organisationId !== undefined ? { organisationId: options.organisationId } : {},
    );
    if (!row) throw new AppError('not_found');
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: 'staff.invitation_revoked',
      subjectType: 'staff_invitation',
      subjectId: row.id,
      data: { role: row.role, organisationId: row.organisation_id },
    });
  });
}

const lastAdminConflict = new AppError('conflict', {
  detail: {
    ja: '自治体管理者がいなくなるため、この変更はできません。先に別の方を自治体管理者にしてください。',
    en: 'This would leave the local government without an administrator. Make someone else an administrator first.',
  },
});

export const ChangeStaffRoleInput = z.object({ role: z.enum(staffRoles), organisationId: uuid.optional() });
export type ChangeStaffRoleInput = z.input<typeof ChangeStaffRoleInput>;

/**
 * Changes a member's role and records `staff.role_changed` with before and after. The last
 * administrator cannot be demoted: the government would lose the ability to manage its own staff.
 */
export async function changeStaffRole(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  membershipId: string;
  input: ChangeStaffRoleInput;
}): Promise<StaffMember> {
  authorize(mayManageStaff(options.actor, options.lgCode));
  if (!uuid.safeParse(options.membershipId).success) throw new AppError('not_found');
  const input = ChangeStaffRoleInput.parse(options.input);
  return withTenant(options.db, options.lgCode, async (scope) => {
    const admins = await repository.lockActiveAdmins(scope);
    const current = await repository.lockActiveMembership(scope, options.membershipId);
    if (!current) throw new AppError('not_found');
    const organisationId = organisationFor(input.role, input.organisationId);
    if (current.role === input.role && current.organisation_id === organisationId) return toMember(current);
    if (organisationId) await requireOrganisation(scope, organisationId);
    if (current.role === 'tenant_admin' && input.role !== 'tenant_admin' && admins.length <= 1) throw lastAdminConflict;
    const updated = await repository.updateMembershipRole(scope, current.id, { role: input.role, organisationId });
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: 'staff.role_changed',
      subjectType: 'staff_membership',
      subjectId: current.id,
      data: {
        from: current.role,
        to: updated.role,
        ...(updated.organisation_id ? { organisationId: updated.organisation_id } : {}),
      },
    });
    return toMember(updated);
  });
}

/** Ends a membership (kept as `removed` for the record) and records `staff.removed`. */
export async function removeStaffMember(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  membershipId: string;
}): Promise<void> {
  authorize(mayManageStaff(options.actor, options.lgCode));
  if (!uuid.safeParse(options.membershipId).success) throw new AppError('not_found');
  await withTenant(options.db, options.lgCode, async (scope) => {
    const admins = await repository.lockActiveAdmins(scope);
    const current = await repository.lockActiveMembership(scope, options.membershipId);
    if (!current) throw new AppError('not_found');
    if (current.role === 'tenant_admin' && admins.length <= 1) throw lastAdminConflict;
    await repository.markMembershipRemoved(scope, current.id);
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: 'staff.removed',
      subjectType: 'staff_membership',
      subjectId: current.id,
      data: { role: current.role },
    });
  });
}

export interface AuditEntry {
  id: string;
  occurredAt: Date;
  actor: { kind: string; id: string | null };
  action: string;
  subject: { type: string; id: string | null };
  data: Record<string, unknown>;
}

/**
 * One page of the tenant's audit trail, newest first, read in the tenant's scope. Events hold
 * identifiers and setting names, never names or addresses, so the trail can be shown as it is.
 * `before` is the id of the last event of the previous page.
 */
export async function listTenantAuditEvents(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  before?: string;
  limit: number;
}): Promise<{ items: AuditEntry[]; nextBefore: string | null }> {
  authorize(mayReadTenantAuditTrail(options.actor, options.lgCode));
  const before = options.before && uuid.safeParse(options.before).success ? options.before : undefined;
  const rows = await withTenant(options.db, options.lgCode, (scope) =>
    repository.listAuditEvents(scope, { ...(before ? { before } : {}), limit: options.limit + 1 }),
  );
  const items = rows.slice(0, options.limit).map((row) => ({
    id: row.id,
    occurredAt: row.occurred_at,
    actor: { kind: row.actor_kind, id: row.actor_id },
    action: row.action,
    subject: { type: row.subject_type, id: row.subject_id },
    data: row.data,
  }));
  return { items, nextBefore: rows.length > options.limit ? (items.at(-1)?.id ?? null) : null };
}

/** Makes an existing account a national operator (operator command). */
export async function grantOperator(options: { db: Kysely<Database>; actor: Actor; email: string }) {
  const email = EmailAddress.parse(options.email);
  const personId = await repository.findPersonIdByEmail(options.db, email);
  if (!personId) {
    throw new AppError('not_found', {
      detail: {
        ja: 'このメールアドレスのアカウントはありません。先にその方にログイン（登録）してもらってください。',
        en: 'No account has this address. Ask the person to sign in (sign up) first.',
      },
    });
  }
  const granted = await repository.insertOperator(options.db, personId, options.actor.id ?? options.actor.kind);
  return { personId, granted };
}
