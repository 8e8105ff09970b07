import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openTestDatabase, testEngine, type TestDatabase } from './support/database.js';

/** The product as an operator runs it: `node src/main.ts` in its own process, configured by env. */
interface ServerProcess {
  child: ChildProcessWithoutNullStreams;
  url: string;
  logs: Array<Record<string, unknown>>;
  exited: Promise<number | null>;
}

const root = new URL('..', import.meta.url).pathname;

function spawnMain(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      DEV_SMTP_PORT: '0',
      JOBS_POLL_INTERVAL_MS: '200',
      ...env,
    },
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const logs = () =>
    stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { child, exited, logs, output: () => ({ stdout, stderr }) };
}

async function startMain(env: Record<string, string>): Promise<ServerProcess> {
  const started = spawnMain(env);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const listening = started.logs().find((entry) => entry.msg === 'listening');
    if (listening)
      return { child: started.child, url: String(listening.url), logs: started.logs(), exited: started.exited };
    const code = await Promise.race([
      started.exited,
      new Promise((resolve) => setTimeout(() => resolve('waiting'), 100)),
    ]);
    if (code !== 'waiting') throw new Error(`server exited with ${String(code)}: ${JSON.stringify(started.output())}`);
  }
  started.child.kill('SIGKILL');
  throw new Error('server did not start within 60 s');
}

async function participatingCodes(url: string): Promise<string[]> {
  const response = await fetch(`${url}/api/v1/municipalities?participating=true&perPage=100`);
  const body = (await response.json()) as { items: Array<{ lgCode: string }> };
  return body.items.map((item) => item.lgCode);
}

describe('configuration errors stop the process with a clear message', () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: 'eighty' }, /PORT/],
    [{ DATABASE_URL: 'mysql://localhost/x' }, /DATABASE_URL: must start with postgres/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [{ PUBLIC_URL: 'not a url' }, /PUBLIC_URL/],
  ];
  for (const [env, message] of cases) {
    it(`${JSON.stringify(env)} → exit 1`, async () => {
      const started = spawnMain(env);
      assert.equal(await started.exited, 1);
      assert.match(started.output().stderr, message);
      assert.match(started.output().stderr, /Invalid configuration/);
    });
  }
});

describe('the embedded database', { skip: testEngine !== 'pglite' && 'runs on the PGlite pass' }, () => {
  let folder: string;

  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'furusato-main-'));
  });

  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('is created, migrated and filled with demo data on first start; a second process is refused; SIGTERM finishes in-flight requests; a restart keeps everything', async () => {
    const dataDir = join(folder, 'pglite');
    const first = await startMain({ PGLITE_DIR: dataDir });
    try {
      assert.ok(first.logs.some((entry) => entry.msg === 'migration applied'));
      const demo = await participatingCodes(first.url);
      assert.deepEqual(demo.sort(), ['040002', '042056', '070009', '074071', '113611', '363421']);

      const second = spawnMain({ PGLITE_DIR: dataDir });
      assert.equal(await second.exited, 1);
      assert.match(JSON.stringify(second.output()), /in use by process/);

      const inFlight = Array.from({ length: 20 }, (_, index) =>
        fetch(`${first.url}/api/v1/municipalities?page=${index + 1}&perPage=100`).then((response) => response.status),
      );
      await new Promise((resolve) => setTimeout(resolve, 5));
      first.child.kill('SIGTERM');
      const statuses = await Promise.allSettled(inFlight);
      assert.equal(await first.exited, 0);
      const answered = statuses.filter((result) => result.status === 'fulfilled');
      assert.ok(answered.length > 0, 'requests that reached the server were answered');
      assert.ok(answered.every((result) => result.value === 200));
    } finally {
      first.child.kill('SIGKILL');
    }

    const restarted = await startMain({ PGLITE_DIR: dataDir });
    try {
      assert.equal(restarted.logs.filter((entry) => entry.msg === 'migration applied').length, 0);
      assert.equal(restarted.logs.filter((entry) => entry.msg === 'demo data loaded').length, 0);
      assert.deepEqual((await participatingCodes(restarted.url)).length, 6);
      assert.equal((await fetch(`${restarted.url}/readyz`)).status, 200);
    } finally {
      restarted.child.kill('SIGTERM');
      assert.equal(await restarted.exited, 0);
    }
  });
});

describe('on PostgreSQL', { skip: testEngine !== 'postgres' && 'runs with TEST_DATABASE_URL' }, () => {
  let database: TestDatabase;

  before(async () => {
    database = await openTestDatabase();
  });

  after(async () => {
    await database.close();
  });

  it('runs the same build with DATABASE_URL and stops cleanly on SIGTERM', async () => {
    const server = await startMain({ DATABASE_URL: database.connectionString!, DEMO_DATA: 'true' });
    try {
      assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
      assert.equal((await participatingCodes(server.url)).length, 6);
      const detail = (await (await fetch(`${server.url}/api/v1/municipalities/042056`)).json()) as { name: string };
      assert.equal(detail.name, '気仙沼市');
    } finally {
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0);
    }
  });
});
