import { buildJobDefinitions } from '../../src/jobs.js';
import type { AppRouter } from '../../src/platform/http/app.js';
import { JobRunner } from '../../src/platform/jobs/runner.js';
import { startMailSink, type MailSink } from '../../src/platform/mail/mail-sink.js';
import { createSmtpMailer } from '../../src/platform/mail/mailer.js';
import { testApp, testLogger } from './app.js';
import { TestClient } from './client.js';
import { openTestDatabase, type TestDatabase } from './database.js';

export interface TestRuntime {
  database: TestDatabase;
  app: AppRouter;
  /** Catches every mail the app sends, over real SMTP. */
  mail: MailSink;
  jobs: JobRunner;
  /** A new browser-like client with its own cookies. */
  client(): TestClient;
  close(): Promise<void>;
}

/**
 * The app as it runs in production, in process: a fresh database, the job runner (which sends mail),
 * and a real SMTP server catching the mail.
 */
export async function startTestRuntime(configOverrides: Record<string, string> = {}): Promise<TestRuntime> {
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
  const app = testApp(database, configOverrides);
  return {
    database,
    app,
    mail,
    jobs,
    client: () => new TestClient(app),
    close: async () => {
      await jobs.stop();
      mailer.close();
      await mail.close();
      await database.close();
    },
  };
}

/** The first link in a mail to this site, as a path with query. */
export function linkIn(text: string): string {
  const match = /http:\/\/localhost:3000(\/[^\s]+)/.exec(text);
  if (!match?.[1]) throw new Error(`no link in mail: ${text}`);
  return match[1];
}

/** The 6-digit code in a mail. */
export function codeIn(text: string): string {
  const match = /(\d{6})/.exec(text.replace(/http[^\s]+/g, ''));
  if (!match?.[1]) throw new Error(`no code in mail: ${text}`);
  return match[1];
}

/** Signs in (or up) by e-mail code through the API, as a browser would; returns the client holding the session. */
export async function signedInClient(
  runtime: TestRuntime,
  email: string,
): Promise<{ client: TestClient; personId: string }> {
  const client = runtime.client();
  const seenBefore = runtime.mail.lastSequence();
  const start = await client.sendJson('/api/v1/auth/email/start', { email });
  if (start.status !== 202) throw new Error(`sign-in start failed: ${start.status} ${await start.text()}`);
  const { challengeId } = (await start.json()) as { challengeId: string };
  // Other mail to the same address (an application's confirmation) may arrive in between.
  const mail = await runtime.mail.waitForMail(
    email,
    (message) => message.sequence > seenBefore && message.subject.includes('ログイン用'),
  );
  const verify = await client.sendJson('/api/v1/auth/email/verify', { challengeId, code: codeIn(mail.text) });
  if (verify.status !== 200) throw new Error(`sign-in verify failed: ${verify.status} ${await verify.text()}`);
  const { personId } = (await verify.json()) as { personId: string };
  return { client, personId };
}
