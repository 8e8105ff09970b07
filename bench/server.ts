/**
 * The real server in a child process, started the way production starts it, for the benchmarks: a free
 * loopback port, the database the caller prepared, no demo data and no jobs; ready when /readyz says so.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import type { DatabaseEngine } from '../src/platform/db/database.js';
import { root } from './report.js';

export interface ServerProcess {
  url: string;
  pid: number;
  startMs: number;
  /** Peak resident memory of the server process so far (Linux), in MiB. */
  peakRssMiB(): Promise<number | null>;
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function startServerProcess(
  engine: DatabaseEngine,
  databaseEnv: Record<string, string>,
  /** Stops registered here run on Ctrl-C, so the child never outlives the run. */
  cleanups: Set<() => Promise<unknown>>,
): Promise<ServerProcess> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Whatever the caller's shell points at must not leak into the server under test.
  for (const name of [
    'DATABASE_URL',
    'PGLITE_DIR',
    'DATABASE_POOL_MAX',
    'DEMO_DATA',
    'JOBS_ENABLED',
    'LOG_LEVEL',
    'HOST',
    'PORT',
  ]) {
    delete env[name];
  }
  Object.assign(env, databaseEnv, {
    HOST: '127.0.0.1',
    PORT: String(port),
    DEMO_DATA: 'false',
    JOBS_ENABLED: 'false',
    DEV_SMTP_PORT: '0',
    LOG_LEVEL: 'warn',
  });

  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  const relay = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      tail.push(line);
      if (tail.length > 40) tail.shift();
      process.stderr.write(`[${engine} server] ${line}\n`);
    }
  };
  child.stdout?.on('data', relay);
  child.stderr?.on('data', relay);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void exited.then((result) => {
    exit = result;
  });

  const stop = async () => {
    const stopping = performance.now();
    if (!exit) {
      child.kill('SIGTERM');
      // main.ts gives in-flight work SHUTDOWN_GRACE_SECONDS (20 s); past that something is wrong.
      const timer = setTimeout(() => {
        if (!exit) child.kill('SIGKILL');
      }, 30_000);
      await exited;
      clearTimeout(timer);
    }
    cleanups.delete(stop);
    return { ...(exit ?? (await exited)), ms: Math.round(performance.now() - stopping) };
  };
  cleanups.add(stop);

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exit) {
      cleanups.delete(stop);
      throw new Error(
        `the server exited (code ${exit.code}, signal ${exit.signal}) before it was ready:\n${tail.join('\n')}`,
      );
    }
    try {
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1_000) });
      await response.body?.cancel();
      if (response.status === 200) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the server was not ready within 60 s:\n${tail.join('\n')}`);
    }
    await sleep(100);
  }

  const pid = child.pid ?? -1;
  return {
    url,
    pid,
    startMs: Math.round(performance.now() - started),
    peakRssMiB: async () => {
      try {
        const status = await readFile(`/proc/${pid}/status`, 'utf8');
        const kib = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1]);
        return Number.isFinite(kib) ? Math.round(kib / 1024) : null;
      } catch {
        return null;
      }
    },
    stop,
  };
}

/** The value below which `fraction` of the sorted samples fall (nearest rank). */
export function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[index] ?? 0;
}
