import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { joinTenant, TenantSettings } from '../src/modules/municipalities/index.js';
import { recordAuditEvent, systemActor } from '../src/platform/audit.js';
import { ownedBy, withTenant } from '../src/platform/db/tenant-scope.js';
import { openTestDatabase, type TestDatabase } from './support/database.js';

/**
 * Row-level security is the second wall: even a query that forgets `WHERE lg_code = …` sees and
 * touches only its own tenant's rows.
 */
const kesennuma = '042056';
const kamiyama = '363421';

describe('tenant isolation by row-level security', () => {
  let database: TestDatabase;

  before(async () => {
    database = await openTestDatabase();
    for (const lgCode of [kesennuma, kamiyama]) {
      await joinTenant({ db: database.db, actor: systemActor, lgCode });
      await withTenant(database.db, lgCode, (scope) =>
        recordAuditEvent(scope, { actor: systemActor, action: 'test.marker', subjectType: 'test', subjectId: lgCode }),
      );
    }
  });

  after(async () => {
    await database.close();
  });

  it('a query without a WHERE clause reads only the own tenant', async () => {
    const rows = await withTenant(database.db, kesennuma, (scope) =>
      scope.trx.selectFrom('audit_events').select(['lg_code', 'action']).execute(),
    );
    assert.ok(rows.length >= 2, 'the join and the marker of 気仙沼市');
    assert.deepEqual([...new Set(rows.map((row) => row.lg_code))], [kesennuma]);
  });

  it('the scoped WHERE helper and RLS agree', async () => {
    const [scoped, unscoped] = await withTenant(database.db, kamiyama, async (scope) => [
      await scope.trx.selectFrom('audit_events').select('id').where(ownedBy(scope)).execute(),
      await scope.trx.selectFrom('audit_events').select('id').execute(),
    ]);
    assert.equal(scoped.length, unscoped.length);
    assert.ok(scoped.length > 0);
  });

  it('asking for another tenant by its key finds nothing', async () => {
    const rows = await withTenant(database.db, kesennuma, (scope) =>
      scope.trx.selectFrom('audit_events').selectAll().where('lg_code', '=', kamiyama).execute(),
    );
    assert.equal(rows.length, 0);
  });

  it('an insert of another tenant’s row is refused and nothing is written', async () => {
    await assert.rejects(
      withTenant(database.db, kesennuma, (scope) =>
        scope.trx
          .insertInto('audit_events')
          .values({
            lg_code: kamiyama,
            id: uuidv7(),
            actor_kind: 'system',
            action: 'test.intrusion',
            subject_type: 'test',
          })
          .execute(),
      ),
      /row-level security/,
    );
    const intrusions = await withTenant(database.db, kamiyama, (scope) =>
      scope.trx.selectFrom('audit_events').select('id').where('action', '=', 'test.intrusion').execute(),
    );
    assert.equal(intrusions.length, 0);
  });

  it('an update without a WHERE clause changes only the own tenant', async () => {
    const updated = await withTenant(database.db, kesennuma, (scope) =>
      scope.trx
        .updateTable('tenants')
        .set({ settings: JSON.stringify({ contactEmail: 'hijack@example.jp' }) })
        .executeTakeFirst(),
    );
    assert.equal(updated.numUpdatedRows, 1n, 'only 気仙沼市 itself');
    const other = await withTenant(database.db, kamiyama, (scope) =>
      scope.trx.selectFrom('tenants').select('settings').where(ownedBy(scope)).executeTakeFirstOrThrow(),
    );
    assert.deepEqual(other.settings, TenantSettings.parse({}), '神山町 keeps what it had');
  });

  it('moving a row to another tenant is refused', async () => {
    await assert.rejects(
      withTenant(database.db, kesennuma, (scope) =>
        scope.trx.updateTable('tenants').set({ lg_code: '010006' }).where(ownedBy(scope)).execute(),
      ),
      /row-level security/,
    );
  });

  it('the audit trail is append-only for the application', async () => {
    await assert.rejects(
      withTenant(database.db, kesennuma, (scope) => scope.trx.deleteFrom('audit_events').execute()),
      /permission denied/,
    );
    await assert.rejects(
      withTenant(database.db, kesennuma, (scope) =>
        scope.trx.updateTable('audit_events').set({ action: 'rewritten' }).execute(),
      ),
      /permission denied/,
    );
  });

  it('without a tenant scope the application role sees no tenant rows at all', async () => {
    const rows = await database.db.transaction().execute(async (trx) => {
      await sql.raw('SET LOCAL ROLE furusato_app').execute(trx);
      return trx.selectFrom('audit_events').select('id').execute();
    });
    assert.equal(rows.length, 0);
  });

  it('the application role is not a superuser and cannot bypass RLS', async () => {
    const role = await sql<{ rolsuper: boolean; rolbypassrls: boolean }>`
      select rolsuper, rolbypassrls from pg_roles where rolname = 'furusato_app'`.execute(database.db);
    assert.deepEqual(role.rows[0], { rolsuper: false, rolbypassrls: false });
    const forced = await sql<{ relname: string }>`
      select relname from pg_class
      where relname in ('tenants', 'audit_events') and relrowsecurity and relforcerowsecurity
      order by relname`.execute(database.db);
    assert.deepEqual(
      forced.rows.map((row) => row.relname),
      ['audit_events', 'tenants'],
    );
  });

  it('refuses a malformed tenant code before it reaches SQL', async () => {
    await assert.rejects(
      withTenant(database.db, "042056'; reset role; --", async () => undefined),
      /invalid lg_code/,
    );
    await assert.rejects(
      withTenant(database.db, '042055', async () => undefined),
      /invalid lg_code/,
    );
  });

  it('every table with an lg_code column has forced row-level security, except reference data and jobs', async () => {
    const unprotected = await sql<{ table_name: string }>`
      select c.table_name from information_schema.columns c
      join pg_class k on k.relname = c.table_name
      join pg_namespace n on n.oid = k.relnamespace and n.nspname = c.table_schema
      where c.table_schema = 'public' and c.column_name = 'lg_code' and k.relkind = 'r'
        and not (k.relrowsecurity and k.relforcerowsecurity)
        and c.table_name not in ('local_governments', 'prefectures', 'jobs')
      order by 1`.execute(database.db);
    assert.deepEqual(unprotected.rows, []);
  });
});
