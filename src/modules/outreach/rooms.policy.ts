import type { Actor } from '../../platform/audit.js';
import { tenantRoleOf, type StaffRole } from '../../platform/auth/tenant-roles.js';

/**
 * Who may do what in a government's community rooms. A room is the government's (or one of its
 * projects'); registrants of that government take part, and its staff moderate: administrators and staff
 * every room, organisation staff the rooms of their own organisation's projects.
 */

export interface RoomAccess {
  /** An active registration with the government. */
  registrant: boolean;
  /** A staff role usable now (membership and a fresh second factor). */
  role: StaffRole | undefined;
  /** For organisation staff: their organisation. */
  organisationId: string | null;
}

export interface RoomScope {
  projectId: string | null;
  /** The organisation that runs the room's project (null for the government's own rooms and projects). */
  projectOrganisationId: string | null;
}

export function accessOf(actor: Actor, lgCode: string, registrant: boolean): RoomAccess {
  const role = tenantRoleOf(actor, lgCode);
  const organisationId = actor.memberships?.find((membership) => membership.lgCode === lgCode)?.organisationId ?? null;
  return { registrant, role, organisationId };
}

/** Staff who look after this room: hide, lock, ban, read reports. */
export function moderatesRoom(access: RoomAccess, room: RoomScope): boolean {
  if (access.role === 'tenant_admin' || access.role === 'tenant_staff') return true;
  return (
    access.role === 'organisation_staff' &&
    room.projectId !== null &&
    access.organisationId !== null &&
    room.projectOrganisationId === access.organisationId
  );
}

/** Who sees the room at all; everyone else gets 404. */
export function mayEnterRoom(access: RoomAccess, room: RoomScope): boolean {
  return access.registrant || moderatesRoom(access, room);
}

/** Who opens and closes the government's rooms (organisation staff: rooms of their own projects). */
export function mayManageRooms(actor: Actor, lgCode: string): boolean {
  const role = tenantRoleOf(actor, lgCode);
  return role === 'tenant_admin' || role === 'tenant_staff';
}

/** Whose staff area lists rooms: anyone who may moderate some room of the government. */
export function mayModerateSomeRoom(actor: Actor, lgCode: string): boolean {
  const role = tenantRoleOf(actor, lgCode);
  if (role === 'tenant_admin' || role === 'tenant_staff') return true;
  return role === 'organisation_staff' && accessOf(actor, lgCode, false).organisationId !== null;
}

/** `@handle` in a post: after a start, a space or punctuation (not inside an address like a@b.jp). */
export const mentionPattern = /(^|[^A-Za-z0-9_@.])@([A-Za-z0-9_]{2,20})(?![A-Za-z0-9_])/g;

/** The handles a text mentions, each once, lower-cased, at most `limit`. */
export function mentionedHandles(text: string, limit = 10): string[] {
  const handles: string[] = [];
  for (const match of text.matchAll(mentionPattern)) {
    const handle = (match[2] ?? '').toLowerCase();
    if (handle && !handles.includes(handle)) handles.push(handle);
    if (handles.length >= limit) break;
  }
  return handles;
}
