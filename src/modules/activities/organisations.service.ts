import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { recordAuditEvent, type Actor } from '../../platform/audit.js';
import { organisationKinds, type Database, type OrganisationRow } from '../../platform/db/schema.js';
import { withTenant, type TenantScope } from '../../platform/db/tenant-scope.js';
import { AppError, parseInput } from '../../platform/errors.js';
import { isValidLgCode } from '../../platform/lg-code.js';
import { notify } from '../outreach/index.js';
import { organisationDecisionNotice } from './activities.notices.js';
import { japanDate } from '../../platform/time.js';
import { getTenant } from '../municipalities/index.js';
import { addOrganisationStaffMember, listOrganisationStaff } from '../staff/index.js';
import {
  authorizeActivities,
  mayDesignate,
  mayEditOrganisationProfile,
  mayManageOrganisations,
  mayViewOrganisation,
  organisationOf,
} from './activities.policy.js';
import * as repository from './organisations.repository.js';

/**
 * Related organisations (関係団体, L5974–6036) as each government knows them. A government registers an
 * organisation itself, or approves one that applied; an organisation working with several governments
 * has a record in each under one id, and each government decides and designates on its own.
 */

/**
 * 法人番号: 13 digits, the first a check digit over the other twelve (国税庁: 9 − (Σ Pn×Qn mod 9), n
 * counted from the right, Qn = 1 for odd n and 2 for even n).
 */
export function isValidCorporateNumber(value: string): boolean {
  if (!/^\d{13}$/.test(value)) return false;
  const body = value.slice(1);
  let sum = 0;
  for (let n = 1; n <= 12; n += 1) sum += Number(body[12 - n]) * (n % 2 === 1 ? 1 : 2);
  return 9 - (sum % 9) === Number(value[0]);
}

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, { message: `${max}文字以内で入力してください / ${max} characters at most` })
    .default('');

const emptyToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

export const OrganisationInput = z.object({
  name: z
    .string()
    .trim()
    .min(1, { message: '団体名を入力してください / enter the name' })
    .max(200, { message: '200文字以内で入力してください / 200 characters at most' }),
  kind: z.enum(organisationKinds, { message: '団体の種類を選んでください / choose a kind' }),
  description: optionalText(4000),
  area: optionalText(200),
  contactEmail: z.preprocess(
    emptyToUndefined,
    z.email({ message: 'メールアドレスの形式が正しくありません / not an e-mail address' }).max(254).optional(),
  ),
  contactPhone: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .trim()
      .regex(/^[0-9+\-() ]{6,20}$/, { message: '電話番号は数字とハイフンで入力してください / digits and hyphens' })
      .optional(),
  ),
  website: z.preprocess(
    emptyToUndefined,
    z
      .url({ protocol: /^https?$/, message: 'http:// か https:// で始まるURLを入力してください / an http(s) URL' })
      .max(500)
      .optional(),
  ),
  corporateNumber: z.preprocess(
    (value) => (typeof value === 'string' ? value.replace(/[\s-]/g, '') || undefined : value),
    z
      .string()
      .refine(isValidCorporateNumber, { message: '法人番号（13桁）が正しくありません / not a valid corporate number' })
      .optional(),
  ),
});
export type OrganisationInput = z.input<typeof OrganisationInput>;

export interface Organisation {
  lgCode: string;
  id: string;
  name: string;
  kind: OrganisationRow['kind'];
  description: string;
  area: string;
  contactEmail: string | null;
  contactPhone: string | null;
  website: string | null;
  corporateNumber: string | null;
  status: OrganisationRow['status'];
  designated: boolean;
  designatedAt: Date | null;
  appliedByPerson: boolean;
  decidedAt: Date | null;
  decisionReason: string | null;
  createdAt: Date;
}

export function toOrganisation(row: OrganisationRow): Organisation {
  return {
    lgCode: row.lg_code,
    id: row.id,
    name: row.name,
    kind: row.kind,
    description: row.description,
    area: row.area,
    contactEmail: row.contact_email,
    contactPhone: row.contact_phone,
    website: row.website,
    corporateNumber: row.corporate_number,
    status: row.status,
    designated: row.designated,
    designatedAt: row.designated_at,
    appliedByPerson: row.applied_by !== null,
    decidedAt: row.decided_at,
    decisionReason: row.decision_reason,
    createdAt: row.created_at,
  };
}

function columnsOf(input: z.output<typeof OrganisationInput>) {
  return {
    name: input.name,
    kind: input.kind,
    description: input.description,
    area: input.area,
    contact_email: input.contactEmail ?? null,
    contact_phone: input.contactPhone ?? null,
    website: input.website ?? null,
    corporate_number: input.corporateNumber ?? null,
  };
}

const uuid = z.uuid();

async function lockOrganisation(scope: TenantScope, id: string): Promise<OrganisationRow> {
  if (!uuid.safeParse(id).success) throw new AppError('not_found');
  const row = await repository.findOrganisation(scope, id, { lock: true });
  if (!row) throw new AppError('not_found');
  return row;
}

/** The government's organisations; a 団体担当者 sees only their own. */
export async function listOrganisations(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  status?: OrganisationRow['status'];
}) {
  const own = organisationOf(options.actor, options.lgCode);
  authorizeActivities(options.actor, options.lgCode, mayManageOrganisations(options.actor, options.lgCode) || !!own);
  return withTenant(options.db, options.lgCode, async (scope) => {
    const rows = await repository.listOrganisations(scope, {
      ...(options.status ? { status: options.status } : {}),
      ...(mayManageOrganisations(options.actor, options.lgCode) ? {} : { onlyId: own ?? '' }),
    });
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      kind: row.kind,
      area: row.area,
      status: row.status,
      designated: row.designated,
      createdAt: row.created_at,
      appliedByPerson: row.applied_by !== null,
      projectCount: Number(row.project_count ?? 0),
    }));
  });
}

/** One organisation with its 団体担当者 and open invitations. Others' organisations do not exist (404). */
export async function getOrganisation(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  organisationId: string;
}) {
  authorizeActivities(options.actor, options.lgCode, true);
  if (!mayViewOrganisation(options.actor, options.lgCode, options.organisationId)) throw new AppError('not_found');
  if (!uuid.safeParse(options.organisationId).success) throw new AppError('not_found');
  return withTenant(options.db, options.lgCode, async (scope) => {
    const row = await repository.findOrganisation(scope, options.organisationId);
    if (!row) throw new AppError('not_found');
    return { organisation: toOrganisation(row), staff: await listOrganisationStaff(scope, row.id) };
  });
}

/** The government registers an organisation it works with: approved at once. */
export async function registerOrganisation(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  input: OrganisationInput;
}): Promise<Organisation> {
  authorizeActivities(options.actor, options.lgCode, mayManageOrganisations(options.actor, options.lgCode));
  const input = parseInput(OrganisationInput, options.input);
  return withTenant(options.db, options.lgCode, async (scope) => {
    const row = await repository.insertOrganisation(scope, {
      id: uuidv7(),
      ...columnsOf(input),
      status: 'approved',
      decided_at: new Date(),
      decided_by: options.actor.id ?? options.actor.kind,
    });
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: 'organisation.registered',
      subjectType: 'organisation',
      subjectId: row.id,
      data: { kind: row.kind },
    });
    return toOrganisation(row);
  });
}

export const OrganisationApplicationInput = z.union([
  OrganisationInput.extend({ sameAsIn: z.undefined().optional() }),
  z.object({
    /** The organisation works with this government already: bring it (same id, same profile) to another. */
    sameAsIn: z.string().refine(isValidLgCode, { message: '全国地方公共団体コードが正しくありません / invalid code' }),
  }),
]);
export type OrganisationApplicationInput = z.input<typeof OrganisationApplicationInput>;

/**
 * A person applies, on an organisation's behalf, to work with a government: a new organisation, or
 * (`sameAsIn`) one they already serve as 団体担当者 in another government, which keeps its id so that it
 * is recognisably the same organisation. The government decides; approval makes the applicant the
 * organisation's 団体担当者 there.
 */
export async function applyAsOrganisation(options: {
  db: Kysely<Database>;
  /** The signed-in person, with their staff memberships (see `resolveSessionActor`). */
  actor: Actor;
  lgCode: string;
  input: OrganisationApplicationInput;
}): Promise<Organisation> {
  const { actor } = options;
  if (!actor.id) throw new AppError('unauthenticated');
  const input = parseInput(OrganisationApplicationInput, options.input);
  if (!isValidLgCode(options.lgCode)) throw new AppError('tenant_not_found');
  await getTenant({ db: options.db, lgCode: options.lgCode });
  let values: ReturnType<typeof columnsOf> & { id: string };
  if ('sameAsIn' in input && input.sameAsIn !== undefined) {
    const from = input.sameAsIn;
    const organisationId = actor.memberships?.find(
      (membership) => membership.lgCode === from && membership.role === 'organisation_staff',
    )?.organisationId;
    if (!organisationId) throw new AppError('not_found');
    const source = await withTenant(options.db, from, (scope) => repository.findOrganisation(scope, organisationId));
    if (!source || source.status !== 'approved') throw new AppError('organisation_not_approved');
    values = {
      id: source.id,
      name: source.name,
      kind: source.kind,
      description: source.description,
      area: source.area,
      contact_email: source.contact_email,
      contact_phone: source.contact_phone,
      website: source.website,
      corporate_number: source.corporate_number,
    };
  } else {
    values = { id: uuidv7(), ...columnsOf(parseInput(OrganisationInput, input)) };
  }
  const applicantId = actor.id;
  return withTenant(options.db, options.lgCode, async (scope) => {
    if (await repository.findOrganisation(scope, values.id)) throw new AppError('organisation_exists');
    const row = await repository.insertOrganisation(scope, { ...values, status: 'pending', applied_by: applicantId });
    await recordAuditEvent(scope, {
      actor,
      action: 'organisation.applied',
      subjectType: 'organisation',
      subjectId: row.id,
      data: { kind: row.kind, ...('sameAsIn' in input && input.sameAsIn ? { sameAsIn: input.sameAsIn } : {}) },
    });
    return toOrganisation(row);
  });
}

export const OrganisationDecisionInput = z.discriminatedUnion('decision', [
  z.object({ decision: z.literal('approve') }),
  z.object({
    decision: z.literal('reject'),
    reason: z.string().trim().min(1, { message: '理由を書いてください / give a reason' }).max(1000),
  }),
]);

/**
 * The government approves or rejects an organisation's application. Approval makes the applicant the
 * organisation's 団体担当者 in the same transaction and tells them (a notification); rejection tells them why.
 */
export async function decideOrganisation(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  organisationId: string;
  input: z.input<typeof OrganisationDecisionInput>;
}): Promise<Organisation> {
  authorizeActivities(options.actor, options.lgCode, mayManageOrganisations(options.actor, options.lgCode));
  const input = parseInput(OrganisationDecisionInput, options.input);
  const names = await repository.governmentNames(options.db, [options.lgCode]);
  const governmentName = names.get(options.lgCode) ?? options.lgCode;
  return withTenant(options.db, options.lgCode, async (scope) => {
    const current = await lockOrganisation(scope, options.organisationId);
    if (current.status !== 'pending') throw new AppError('conflict');
    const applicant = current.applied_by
      ? await repository.findPersonContact(scope.trx, current.applied_by)
      : undefined;
    const row = await repository.updateOrganisation(scope, current.id, {
      status: input.decision === 'approve' ? 'approved' : 'rejected',
      decided_at: new Date(),
      decided_by: options.actor.id ?? options.actor.kind,
      decision_reason: input.decision === 'reject' ? input.reason : null,
    });
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: input.decision === 'approve' ? 'organisation.approved' : 'organisation.rejected',
      subjectType: 'organisation',
      subjectId: row.id,
    });
    if (applicant?.email && input.decision === 'approve') {
      await addOrganisationStaffMember(scope, {
        actor: options.actor,
        personId: applicant.id,
        email: applicant.email,
        organisationId: row.id,
      });
    }
    if (applicant) {
      await notify(
        scope.trx,
        organisationDecisionNotice({
          personId: applicant.id,
          lgCode: options.lgCode,
          governmentName,
          organisation: { id: row.id, name: row.name },
          decision: input.decision,
          reason: row.decision_reason,
        }),
      );
    }
    return toOrganisation(row);
  });
}

/** The organisation's profile, changed by the government or by the organisation itself. */
export async function updateOrganisation(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  organisationId: string;
  input: OrganisationInput;
}): Promise<Organisation> {
  authorizeActivities(options.actor, options.lgCode, true);
  if (!mayEditOrganisationProfile(options.actor, options.lgCode, options.organisationId)) {
    throw new AppError('not_found');
  }
  const input = parseInput(OrganisationInput, options.input);
  return withTenant(options.db, options.lgCode, async (scope) => {
    const current = await lockOrganisation(scope, options.organisationId);
    const row = await repository.updateOrganisation(scope, current.id, columnsOf(input));
    const changed = Object.entries(columnsOf(input))
      .filter(([key, value]) => current[key as keyof OrganisationRow] !== value)
      .map(([key]) => key);
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: 'organisation.updated',
      subjectType: 'organisation',
      subjectId: row.id,
      data: { changed },
    });
    return toOrganisation(row);
  });
}

export const DesignationDateInput = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'YYYY-MM-DD の形式で指定してください / use YYYY-MM-DD' })
  .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00+09:00`)), { message: 'invalid date' });

/**
 * Pattern ② (L5985–5989): the government designates an organisation, and every project of it that
 * follows the organisation ('inherit') counts for premium; or revokes it. Attendance from `effectiveFrom`
 * (a Japan date, default today) takes the new designation; earlier days keep what they had, so a
 * revocation never takes away a day someone already earned, and a designation can reach back to a
 * date the government names.
 */
export async function setOrganisationDesignation(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  organisationId: string;
  designated: boolean;
  effectiveFrom?: string;
  now?: Date;
}): Promise<Organisation> {
  authorizeActivities(options.actor, options.lgCode, mayDesignate(options.actor, options.lgCode));
  const from = options.effectiveFrom
    ? parseInput(DesignationDateInput, options.effectiveFrom)
    : japanDate(options.now ?? new Date());
  return withTenant(options.db, options.lgCode, async (scope) => {
    const current = await lockOrganisation(scope, options.organisationId);
    if (options.designated && current.status !== 'approved') throw new AppError('organisation_not_approved');
    if (current.designated === options.designated) return toOrganisation(current);
    const row = await repository.updateOrganisation(scope, current.id, {
      designated: options.designated,
      designated_at: options.designated ? new Date() : null,
    });
    const moved = await repository.resnapshotOrganisationAttendance(scope, row.id, from);
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: options.designated ? 'organisation.designated' : 'organisation.designation_revoked',
      subjectType: 'organisation',
      subjectId: row.id,
      data: { effectiveFrom: from, attendanceUpdated: moved },
    });
    return toOrganisation(row);
  });
}

/**
 * Suspends an organisation (its staff can no longer plan or publish, its designation ends from today)
 * or reinstates it.
 */
export async function setOrganisationSuspended(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  organisationId: string;
  suspended: boolean;
  reason?: string;
  now?: Date;
}): Promise<Organisation> {
  authorizeActivities(options.actor, options.lgCode, mayManageOrganisations(options.actor, options.lgCode));
  const today = japanDate(options.now ?? new Date());
  return withTenant(options.db, options.lgCode, async (scope) => {
    const current = await lockOrganisation(scope, options.organisationId);
    if (options.suspended ? current.status !== 'approved' : current.status !== 'suspended') {
      throw new AppError('conflict');
    }
    const row = await repository.updateOrganisation(scope, current.id, {
      status: options.suspended ? 'suspended' : 'approved',
      designated: false,
      designated_at: null,
      decision_reason: options.suspended ? (options.reason?.trim() ?? null) : null,
    });
    const moved = current.designated ? await repository.resnapshotOrganisationAttendance(scope, row.id, today) : 0;
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: options.suspended ? 'organisation.suspended' : 'organisation.reinstated',
      subjectType: 'organisation',
      subjectId: row.id,
      data: { attendanceUpdated: moved },
    });
    return toOrganisation(row);
  });
}

/** Counts for the staff dashboard: applications waiting, organisations approved. */
export async function countOrganisations(options: { db: Kysely<Database>; actor: Actor; lgCode: string }) {
  if (!mayManageOrganisations(options.actor, options.lgCode)) return undefined;
  const rows = await withTenant(options.db, options.lgCode, (scope) => repository.countOrganisationsByStatus(scope));
  const count = (status: string) => Number(rows.find((row) => row.status === status)?.count ?? 0);
  return { pending: count('pending'), approved: count('approved'), suspended: count('suspended') };
}
