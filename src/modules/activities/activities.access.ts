import { z } from 'zod';
import type { Actor } from '../../platform/audit.js';
import type { ActivitySessionRow } from '../../platform/db/schema.js';
import type { TenantScope } from '../../platform/db/tenant-scope.js';
import { AppError } from '../../platform/errors.js';
import { isGovernmentStaff, mayManageProject } from './activities.policy.js';
import * as repository from './projects.repository.js';

/** Finding what an actor may manage, shared by the project, application and attendance use cases. */

const uuid = z.uuid();

/**
 * The project, if the actor may manage it; otherwise it does not exist for them (404): one
 * organisation's staff never learn of another's plans.
 */
export async function findManagedProject(
  scope: TenantScope,
  actor: Actor,
  projectId: string,
  options: { lock?: boolean } = {},
): Promise<repository.ProjectRecord> {
  if (!uuid.safeParse(projectId).success) throw new AppError('not_found');
  const row = await repository.findProject(scope, projectId, options);
  if (!row || !mayManageProject(actor, scope.lgCode, { organisationId: row.organisation_id })) {
    throw new AppError('not_found');
  }
  return row;
}

/** A 団体担当者 plans and publishes only while the government approves their organisation. */
export function requireActiveOrganisation(actor: Actor, lgCode: string, project: repository.ProjectRecord): void {
  if (isGovernmentStaff(actor, lgCode)) return;
  if (project.organisation_status !== 'approved') throw new AppError('organisation_not_approved');
}

/** The session and its project, if the actor manages the project; locked when asked. */
export async function findManagedSession(
  scope: TenantScope,
  actor: Actor,
  sessionId: string,
  options: { lock?: boolean } = {},
): Promise<{ session: ActivitySessionRow; project: repository.ProjectRecord }> {
  if (!uuid.safeParse(sessionId).success) throw new AppError('not_found');
  const session = options.lock
    ? await repository.lockSession(scope, sessionId)
    : await repository.findSession(scope, sessionId);
  if (!session) throw new AppError('not_found');
  const project = await findManagedProject(scope, actor, session.project_id);
  return { session, project };
}
