/**
 * `npm test`: prepares one template database (migrations + municipality master) for the target engine,
 * so that each test file starts from a copy in well under a second, then runs every *.test.ts(x) file
 * under src/ and test/ with Node's test runner. TEST_DATABASE_URL selects PostgreSQL; otherwise PGlite.
 * Extra arguments are passed on (e.g. a file path to run just that file).
 */
import { spawn } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import pg from 'pg';
import { openDatabase } from '../src/platform/db/database.js';
import { dropDatabase, prepareFreshDatabase } from '../test/support/database.js';

const root = new URL('..', import.meta.url).pathname;

async function findTestFiles(folder: string): Promise<string[]> {
  const entries = await readdir(join(root, folder), { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && /\.test\.tsx?$/.test(entry.name))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .sort();
}

async function preparePgliteTemplate(): Promise<string> {
  const database = await openDatabase({ engine: 'pglite', dataDir: 'memory://' });
  try {
    await prepareFreshDatabase(database);
    const tarball = await database.dumpDataDir!();
    const path = join(tmpdir(), `furusato-test-template-${process.pid}.tar`);
    await writeFile(path, new Uint8Array(await tarball.arrayBuffer()));
    return path;
  } finally {
    await database.close();
  }
}

async function preparePostgresTemplate(adminUrl: string): Promise<string> {
  const name = `furusato_test_template_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ engine: 'postgres', connectionString: url.toString(), poolMax: 1 });
  try {
    await prepareFreshDatabase(database);
  } finally {
    await database.close();
  }
  return name;
}

const extraArgs = process.argv.slice(2);
const explicitFiles = extraArgs.filter((arg) => /\.test\.tsx?$/.test(arg));
const files =
  explicitFiles.length > 0 ? explicitFiles : [...(await findTestFiles('src')), ...(await findTestFiles('test'))];
const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'test' };
const adminUrl = process.env.TEST_DATABASE_URL;
if (adminUrl) env.TEST_PG_TEMPLATE = await preparePostgresTemplate(adminUrl);
else env.TEST_PGLITE_TEMPLATE = await preparePgliteTemplate();
process.stdout.write(`Running ${files.length} test files on ${adminUrl ? 'PostgreSQL' : 'PGlite'}\n`);

const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
    '--test-reporter=spec',
    ...extraArgs.filter((arg) => !explicitFiles.includes(arg)),
    ...files,
  ],
  { cwd: root, env, stdio: 'inherit' },
);
child.on('exit', (code, signal) => {
  const cleanup = adminUrl && env.TEST_PG_TEMPLATE ? dropDatabase(adminUrl, env.TEST_PG_TEMPLATE) : Promise.resolve();
  cleanup.finally(() => process.exit(code ?? (signal ? 1 : 0)));
});
