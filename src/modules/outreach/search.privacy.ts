import { registerPersonalData } from '../../platform/privacy.js';

// Saved searches are the person's own: exported and erased with the account.
registerPersonalData({
  name: 'savedSearches',
  async export(db, personId) {
    return db
      .selectFrom('saved_searches')
      .select(['name', 'query', 'notify', 'created_at', 'checked_until'])
      .where('person_id', '=', personId)
      .orderBy('created_at')
      .execute();
  },
  async erase(trx, personId) {
    await trx.deleteFrom('saved_searches').where('person_id', '=', personId).execute();
  },
});
