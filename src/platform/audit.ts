import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { TenantMembership } from './auth/tenant-roles.js';
import type { AuditActorKind, Database } from './db/schema.js';
import type { TenantScope } from './db/tenant-scope.js';

/** Who did something. `id` is an internal identifier, never a name or an address. */
export interface Actor {
  kind: AuditActorKind;
  id: string | null;
  /** The request that caused the change, to join audit events with request logs. */
  requestId?: string;
  /** Active staff memberships of the person acting (loaded by the staff module); absent for others. */
  memberships?: readonly TenantMembership[];
  /**
   * Set for actors that come from a browser session: whether it proved a second factor recently enough
   * for staff work. Absent for the operator command and the system. See `tenantRoleOf`.
   */
  secondFactor?: boolean;
}

export const systemActor: Actor = { kind: 'system', id: null };

/**
 * Appends one audit event in the caller's tenant transaction, so the event exists exactly when the
 * change does. `data` describes what changed by identifiers and settings, not by personal data.
 */
export async function recordAuditEvent(
  scope: TenantScope,
  event: { actor: Actor; action: string; subjectType: string; subjectId?: string; data?: Record<string, unknown> },
): Promise<void> {
  await scope.trx
    .insertInto('audit_events')
    .values({
      lg_code: scope.lgCode,
      id: uuidv7(),
      actor_kind: event.actor.kind,
      actor_id: event.actor.id,
      action: event.action,
      subject_type: event.subjectType,
      subject_id: event.subjectId ?? null,
      data: JSON.stringify(event.data ?? {}),
      request_id: event.actor.requestId ?? null,
    })
    .execute();
}

/** The audit subject of a living account. Deletion replaces it with a pseudonym (see identity). */
export function personSubject(personId: string): string {
  return `person:${personId}`;
}

/**
 * Appends an event to a person's own trail (sign-in, verification, consent, export, deletion), in the
 * caller's transaction. `subject` is `personSubject(id)` or a pseudonym; `data` never holds an address
 * or a name.
 */
export async function recordPersonAuditEvent(
  db: Kysely<Database>,
  event: { subject: string; action: string; data?: Record<string, unknown>; requestId?: string },
): Promise<void> {
  await db
    .insertInto('person_audit_events')
    .values({
      id: uuidv7(),
      subject: event.subject,
      action: event.action,
      data: JSON.stringify(event.data ?? {}),
      request_id: event.requestId ?? null,
    })
    .execute();
}
