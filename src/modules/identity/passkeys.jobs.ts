import { z } from 'zod';
import { defineJob } from '../../platform/jobs/runner.js';
import { pruneChallenges } from './passkeys.repository.js';

/**
 * Every visit to the sign-in page that touches the passkey button leaves a challenge row; they are
 * useless after five minutes and are removed hourly so the table stays small.
 */
export const pruneWebAuthnChallenges = defineJob({
  name: 'identity.prune-webauthn-challenges',
  payload: z.object({}),
  schedule: { cron: '25 * * * *', payload: {} },
  async handle({ db, logger }) {
    logger.info({ deleted: await pruneChallenges(db) }, 'pruned WebAuthn challenges');
  },
});

export const passkeyJobs = [pruneWebAuthnChallenges];
