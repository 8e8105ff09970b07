import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { openDatabase, type DatabaseHandle } from '../../platform/db/database.js';
import { migrateToLatest, migrationsFolder } from '../../platform/db/migrate.js';
import { withTenant } from '../../platform/db/tenant-scope.js';
import { dropDatabase } from '../../../test/support/database.js';
import { loadMasterData } from '../municipalities/index.js';
import { readRegistrationSurveyAnswers, syncRegistrationSurvey } from './index.js';

const kesennuma = '042056';
const kamiyama = '363421';

/**
 * Migration 0045 moves the relationship survey onto the engine: a database as it was before (answers in
 * the registration rows) is migrated, and every answer is then read back through the engine, labelled,
 * including an answer to a question the government removed before the move.
 */
describe('migration 0045: registration answers move to the survey engine', () => {
  let database: DatabaseHandle;
  let dropAfter: (() => Promise<void>) | undefined;
  const answered = uuidv7();
  const withNote = uuidv7();
  const linked = uuidv7();

  before(async () => {
    const adminUrl = process.env.TEST_DATABASE_URL;
    if (adminUrl) {
      const name = `furusato_test_migration_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      database = await openDatabase({ engine: 'postgres', connectionString: url.toString(), poolMax: 2 });
      dropAfter = () => dropDatabase(adminUrl, name);
    } else {
      database = await openDatabase({ engine: 'pglite', dataDir: 'memory://' });
    }
    const db = database.db;
    // The schema as it was before 0045, applied the way migrateToLatest applies files.
    await sql`create table schema_migrations (version text primary key, applied_at timestamptz not null default now())`.execute(
      db,
    );
    const files = (await readdir(migrationsFolder)).filter((name) => /^\d{4}_.*\.sql$/.test(name)).sort();
    for (const file of files.filter((name) => name < '0045')) {
      const text = await readFile(join(migrationsFolder, file), 'utf8');
      await db.transaction().execute(async (trx) => {
        await sql.raw(text).execute(trx);
        await sql`insert into schema_migrations (version) values (${file})`.execute(trx);
      });
    }
    await loadMasterData(db);
    const settings = {
      registration: {
        surveyQuestions: [
          {
            id: 'visit',
            label: { ja: 'どのくらい来ますか', en: 'How often?' },
            kind: 'choice',
            choices: ['年に1回', '毎月'],
            required: true,
          },
          { id: 'wish', label: { ja: 'まちへのひとこと' }, kind: 'text', required: false },
        ],
      },
    };
    await db
      .insertInto('tenants')
      .values([
        { lg_code: kesennuma, settings: JSON.stringify(settings) },
        { lg_code: kamiyama, settings: '{}' },
      ])
      .execute();
    const person = uuidv7();
    await db
      .insertInto('registrations')
      .values([
        {
          lg_code: kesennuma,
          id: answered,
          person_id: person,
          relationship_ties: ['family', 'furusato_nozei'],
          custom_answers: JSON.stringify({ visit: '毎月', wish: '海がすき', removed_long_ago: '古い回答' }),
        },
        {
          lg_code: kamiyama,
          id: withNote,
          person_id: person,
          relationship_ties: ['other'],
          relationship_note: '友人がいる',
        },
        {
          lg_code: kamiyama,
          id: linked,
          person_id: uuidv7(),
          origin: 'prefecture_link',
          linked_from_lg_code: kesennuma,
        },
      ])
      .execute();
    assert.deepEqual(
      await migrateToLatest(db),
      files.filter((name) => name >= '0045'),
    );
  });

  after(async () => {
    await database?.close();
    await dropAfter?.();
  });

  it('gives each government a registration survey holding its own questions', async () => {
    const surveys = await database.db
      .selectFrom('surveys')
      .select(['lg_code', 'purpose', 'status', 'questions'])
      .orderBy('lg_code')
      .execute();
    assert.deepEqual(
      surveys.map((survey) => [survey.lg_code, survey.purpose, survey.status]),
      [
        [kesennuma, 'registration', 'published'],
        [kamiyama, 'registration', 'published'],
      ],
    );
    assert.deepEqual(surveys[0]?.questions, [
      {
        id: 'own.visit',
        kind: 'single',
        label: { ja: 'どのくらい来ますか', en: 'How often?' },
        required: true,
        choices: [
          { value: '年に1回', label: { ja: '年に1回' } },
          { value: '毎月', label: { ja: '毎月' } },
        ],
      },
      {
        id: 'own.wish',
        kind: 'text',
        label: { ja: 'まちへのひとこと' },
        required: false,
        maxLength: 500,
        multiline: false,
      },
    ]);
  });

  it('reads every earlier answer back through the engine, labelled; a linked registration has none', async () => {
    const own = [
      {
        id: 'visit',
        label: { ja: 'どのくらい来ますか', en: 'How often?' },
        kind: 'choice' as const,
        choices: ['年に1回', '毎月'],
        required: true,
      },
    ];
    const here = await withTenant(database.db, kesennuma, async (scope) => {
      // The government removed 「まちへのひとこと」 after the move: its answer keeps its label.
      await syncRegistrationSurvey(scope, own);
      return readRegistrationSurveyAnswers(scope, [answered]);
    });
    assert.deepEqual(here.get(answered), {
      ties: ['family', 'furusato_nozei'],
      note: null,
      customAnswers: { visit: '毎月', wish: '海がすき', removed_long_ago: '古い回答' },
      answers: [
        { questionId: 'visit', label: { ja: 'どのくらい来ますか', en: 'How often?' }, answer: '毎月' },
        { questionId: 'wish', label: { ja: 'まちへのひとこと' }, answer: '海がすき' },
        { questionId: 'removed_long_ago', label: null, answer: '古い回答' },
      ],
    });
    const there = await withTenant(database.db, kamiyama, (scope) =>
      readRegistrationSurveyAnswers(scope, [withNote, linked]),
    );
    assert.deepEqual(there.get(withNote), { ties: ['other'], note: '友人がいる', customAnswers: {}, answers: [] });
    assert.equal(there.has(linked), false);
    // The registration rows are left as they were.
    const row = await database.db
      .selectFrom('registrations')
      .select(['relationship_ties', 'custom_answers'])
      .where('id', '=', answered)
      .executeTakeFirstOrThrow();
    assert.deepEqual(row.relationship_ties, ['family', 'furusato_nozei']);
    assert.equal((row.custom_answers as Record<string, string>).wish, '海がすき');
  });
});
