/**
 * Operator commands, run against the configured database (DATABASE_URL or the embedded one; stop the
 * server first when using the embedded database, which one process opens at a time).
 *
 *   npm run cli -- migrate
 *   npm run cli -- tenant join <lgCode> [--contact-email <address>]
 *   npm run cli -- tenant show <lgCode>
 *   npm run cli -- staff invite <lgCode> <email> <role>   (role: tenant_admin | tenant_staff | organisation_staff)
 *   npm run cli -- staff reset-second-factor <email>
 *   npm run cli -- operator grant <email>
 */
import { parseArgs } from 'node:util';
import { getTenant, joinTenant, loadMasterData } from './modules/municipalities/index.js';
import { grantOperator, inviteStaff, resetSecondFactorByEmail } from './modules/staff/index.js';
import type { Actor } from './platform/audit.js';
import { staffRoles } from './platform/auth/tenant-roles.js';
import { ConfigError, loadConfig } from './platform/config.js';
import { openDatabase } from './platform/db/database.js';
import { migrateToLatest } from './platform/db/migrate.js';
import { AppError } from './platform/errors.js';
import { createLogger } from './platform/logger.js';

const usage = `usage:
  npm run cli -- migrate
  npm run cli -- tenant join <lgCode> [--contact-email <address>]
  npm run cli -- tenant show <lgCode>
  npm run cli -- staff invite <lgCode> <email> <tenant_admin|tenant_staff|organisation_staff>
  npm run cli -- staff reset-second-factor <email>
  npm run cli -- operator grant <email>`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { 'contact-email': { type: 'string' } },
});

const operator: Actor = { kind: 'operator', id: `cli:${process.env.USER ?? 'unknown'}` };

async function main(): Promise<number> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  const database = await openDatabase(
    config.DATABASE_URL
      ? { engine: 'postgres', connectionString: config.DATABASE_URL, poolMax: 2 }
      : { engine: 'pglite', dataDir: config.PGLITE_DIR },
    logger,
  );
  try {
    await migrateToLatest(database.db, logger);
    await loadMasterData(database.db);
    const [command, subcommand, lgCode] = positionals;
    if (command === 'migrate') return 0;
    if (command === 'tenant' && subcommand === 'join' && lgCode) {
      const contactEmail = values['contact-email'];
      const tenant = await joinTenant({
        db: database.db,
        actor: operator,
        lgCode,
        settings: contactEmail ? { contactEmail } : {},
      });
      process.stdout.write(`${JSON.stringify(tenant, null, 2)}\n`);
      return 0;
    }
    if (command === 'tenant' && subcommand === 'show' && lgCode) {
      process.stdout.write(`${JSON.stringify(await getTenant({ db: database.db, lgCode }), null, 2)}\n`);
      return 0;
    }
    const role = staffRoles.find((candidate) => candidate === positionals[4]);
    if (command === 'staff' && subcommand === 'invite' && lgCode && positionals[3] && role) {
      // The link is printed as well: with the embedded database the server (and its mail) is not running now.
      const { invitation, link } = await inviteStaff({
        db: database.db,
        config,
        actor: operator,
        lgCode,
        input: { email: positionals[3], role },
      });
      process.stdout.write(`${JSON.stringify({ ...invitation, link }, null, 2)}\n`);
      return 0;
    }
    if (command === 'staff' && subcommand === 'reset-second-factor' && positionals[2]) {
      const result = await resetSecondFactorByEmail({ db: database.db, actor: operator, email: positionals[2] });
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return 0;
    }
    if (command === 'operator' && subcommand === 'grant' && positionals[2]) {
      const result = await grantOperator({ db: database.db, actor: operator, email: positionals[2] });
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return 0;
    }
    process.stderr.write(`${usage}\n`);
    return 2;
  } finally {
    await database.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
    else if (error instanceof AppError) {
      const fields = error.fieldErrors.map((field) => ` (${field.field}: ${field.message})`).join('');
      process.stderr.write(`${error.code}: ${error.message}${fields}\n`);
    } else process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
