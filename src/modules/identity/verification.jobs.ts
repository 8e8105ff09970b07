import { z } from 'zod';
import { defineJob } from '../../platform/jobs/runner.js';
import { pruneAuthorizationRequests } from './verification.repository.js';

/**
 * Every press of the verification button leaves an authorization request (with its PKCE verifier and
 * nonce); after ten minutes it is useless, and a day later it is removed.
 */
export const pruneOidcAuthorizationRequests = defineJob({
  name: 'identity.prune-oidc-authorization-requests',
  payload: z.object({}),
  schedule: { cron: '35 3 * * *', payload: {} },
  async handle({ db, logger }) {
    logger.info({ deleted: await pruneAuthorizationRequests(db) }, 'pruned OpenID Connect authorization requests');
  },
});

export const verificationJobs = [pruneOidcAuthorizationRequests];
