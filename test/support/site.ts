import { buildJobDefinitions } from '../../src/jobs.js';
import { JobRunner } from '../../src/platform/jobs/runner.js';
import { startMailSink, type MailSink } from '../../src/platform/mail/mail-sink.js';
import { createSmtpMailer } from '../../src/platform/mail/mailer.js';
import { testLogger } from './app.js';
import { openTestDatabase, type TestDatabase } from './database.js';
import { startTestServer, type TestServer } from './server.js';

export interface TestSite {
  database: TestDatabase;
  server: TestServer;
  /** Catches every mail the site sends, over real SMTP (sign-in codes and links). */
  mail: MailSink;
  close(): Promise<void>;
}

/**
 * The whole site over real HTTP for a browser, as `startTestRuntime` is in process: a fresh database,
 * the job runner that sends mail, and an SMTP sink to read it from. Sign-up by e-mail works end to end.
 */
export async function startTestSite(
  options: { publicHost?: 'localhost' | '127.0.0.1'; config?: Record<string, string> } = {},
): Promise<TestSite> {
  const database = await openTestDatabase();
  const mail = await startMailSink(0);
  const mailer = createSmtpMailer(mail.smtpUrl, 'Furusato <no-reply@furusato.test>');
  const jobs = new JobRunner({
    database,
    definitions: buildJobDefinitions({ mailer }),
    logger: testLogger,
    pollIntervalMs: 50,
  });
  await jobs.start();
  const server = await startTestServer(database, options.config ?? {}, {
    ...(options.publicHost ? { publicHost: options.publicHost } : {}),
  });
  return {
    database,
    server,
    mail,
    close: async () => {
      await server.close();
      await jobs.stop();
      mailer.close();
      await mail.close();
      await database.close();
    },
  };
}
