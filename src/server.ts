import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { buildApp } from './app.js';
import { seedDemoData } from './demo/demo-data.js';
import { startDevOidcProvider, type DevOidcProvider } from './dev/oidc-provider.js';
import { buildJobDefinitions } from './jobs.js';
import { verificationRedirectUri } from './modules/identity/index.js';
import { loadMasterData } from './modules/municipalities/index.js';
import { parsePrivateJwk, type Config } from './platform/config.js';
import { openDatabase, type DatabaseHandle } from './platform/db/database.js';
import { migrateToLatest } from './platform/db/migrate.js';
import { JobRunner } from './platform/jobs/runner.js';
import type { Logger } from './platform/logger.js';
import { startMailSink, type MailSink } from './platform/mail/mail-sink.js';
import { createSmtpMailer } from './platform/mail/mailer.js';

export interface RunningServer {
  url: string;
  database: DatabaseHandle;
  jobs: JobRunner | undefined;
  /** Development: where mail goes when SMTP_URL is unset. */
  mailSink: MailSink | undefined;
  /** Stops taking connections, lets in-flight requests and the running job finish, then closes the database. */
  stop(): Promise<void>;
}

async function startDevelopmentMailSink(port: number, logger: Logger): Promise<MailSink> {
  try {
    return await startMailSink(port);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    logger.warn({ port }, 'development mail port in use; using a free one');
    return startMailSink(0);
  }
}

async function startDevelopmentOidcProvider(config: Config, logger: Logger): Promise<DevOidcProvider> {
  const options = { redirectUris: [verificationRedirectUri(config)] };
  try {
    return await startDevOidcProvider({ ...options, port: config.DEV_OIDC_PORT });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    logger.warn({ port: config.DEV_OIDC_PORT }, 'development OpenID Connect port in use; using a free one');
    return startDevOidcProvider({ ...options, port: 0 });
  }
}

/** Prepares the database (migrations, master data, demo data) and serves HTTP. */
export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const database = await openDatabase(
    config.DATABASE_URL
      ? { engine: 'postgres', connectionString: config.DATABASE_URL, poolMax: config.DATABASE_POOL_MAX }
      : { engine: 'pglite', dataDir: config.PGLITE_DIR },
    logger,
  );
  try {
    await migrateToLatest(database.db, logger);
    if (await loadMasterData(database.db)) logger.info('municipality master loaded');
    if (config.demoData) await seedDemoData(database.db, config, logger);
  } catch (error) {
    await database.close();
    throw error;
  }

  // Without SMTP_URL (never in production: config refuses it) mail goes to a local sink, readable at
  // /dev/mailbox, so sign-in works on a laptop.
  const mailSink = config.SMTP_URL ? undefined : await startDevelopmentMailSink(config.DEV_SMTP_PORT, logger);
  if (mailSink) logger.info({ smtpUrl: mailSink.smtpUrl }, 'development mail sink; read mail at /dev/mailbox');
  const mailer = createSmtpMailer(config.SMTP_URL ?? mailSink!.smtpUrl, config.MAIL_FROM);

  // Without OIDC_ISSUER (never in production: config refuses it) a local provider plays the デジタル認証アプリ
  // with test persons instead of cards, so identity verification works on a laptop.
  const devOidc =
    config.OIDC_ISSUER || config.NODE_ENV === 'production'
      ? undefined
      : await startDevelopmentOidcProvider(config, logger);
  if (devOidc)
    logger.info({ issuer: devOidc.issuer }, 'development OpenID Connect provider (plays the デジタル認証アプリ)');
  const appConfig: Config = devOidc
    ? {
        ...config,
        OIDC_ISSUER: devOidc.issuer,
        OIDC_CLIENT_ID: devOidc.clientId,
        OIDC_PRIVATE_KEY: parsePrivateJwk(JSON.stringify(devOidc.clientPrivateJwk)),
      }
    : config;

  const jobs = config.JOBS_ENABLED
    ? new JobRunner({
        database,
        definitions: buildJobDefinitions({ mailer, publicUrl: config.PUBLIC_URL, config }),
        logger,
        pollIntervalMs: config.JOBS_POLL_INTERVAL_MS,
        concurrency: database.engine === 'pglite' ? 1 : 2,
      })
    : undefined;
  await jobs?.start();

  const app = buildApp({ config: appConfig, logger, database, ...(mailSink ? { mailSink } : {}) });
  const server: ServerType = await new Promise((resolve) => {
    const created = serve({ fetch: app.fetch, hostname: config.HOST, port: config.PORT }, () => resolve(created));
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '0.0.0.0' || host === '[::]' ? 'localhost' : host}:${address.port}`;
  logger.info({ url, engine: database.engine }, 'listening');

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive connections would hold close() open; busy ones finish their request first.
        if ('closeIdleConnections' in server) server.closeIdleConnections();
      });
      await jobs?.stop();
      mailer.close();
      await mailSink?.close();
      await devOidc?.close();
      await database.close();
      logger.info('stopped');
    })();
    return stopping;
  };
  return { url, database, jobs, mailSink, stop };
}
