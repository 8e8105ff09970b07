import type { Kysely, Transaction } from 'kysely';
import type { Database } from './db/schema.js';

/**
 * A module that keeps personal data about a person declares how to hand it over and how to erase it.
 * The privacy use cases (export, account deletion) call every contributor, so a new table of personal
 * data cannot be forgotten by them: its module registers here.
 */
export interface PersonalDataContributor {
  /** Key in the export document, e.g. "passkeys". */
  name: string;
  /** Everything the person may see about themselves; JSON-serialisable. */
  export(db: Kysely<Database>, personId: string): Promise<unknown>;
  /**
   * Erases (or withdraws and erases) the person's data in the deletion transaction. What an audit trail
   * must keep stays, reachable only through the account's random id, whose row is emptied.
   */
  erase(trx: Transaction<Database>, personId: string): Promise<void>;
}

const contributors: PersonalDataContributor[] = [];

export function registerPersonalData(contributor: PersonalDataContributor): void {
  if (contributors.some((existing) => existing.name === contributor.name)) return;
  contributors.push(contributor);
}

export function personalDataContributors(): readonly PersonalDataContributor[] {
  return contributors;
}
