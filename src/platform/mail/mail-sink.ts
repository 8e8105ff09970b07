import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface CapturedMail {
  /** Increases by one per mail received: "mail after this one" without relying on clock resolution. */
  sequence: number;
  to: string[];
  subject: string;
  text: string;
  /** Header fields by lower-case name, as sent (e.g. `list-unsubscribe`). */
  headers: Record<string, string>;
  receivedAt: Date;
}

export interface MailSink {
  smtpUrl: string;
  /** Newest last; the sink keeps the latest 200. */
  messages: CapturedMail[];
  /** Sequence number of the latest mail received (0 before any). */
  lastSequence(): number;
  /** Resolves with the first message (already received or arriving) to `to` that matches. */
  waitForMail(to: string, matches?: (mail: CapturedMail) => boolean, timeoutMs?: number): Promise<CapturedMail>;
  close(): Promise<void>;
}

/**
 * A real SMTP server on loopback that keeps what it receives in memory: development and tests send
 * mail over the same protocol as production, and read it back from here.
 */
export async function startMailSink(port = 0): Promise<MailSink> {
  const messages: CapturedMail[] = [];
  let sequence = 0;
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          sequence += 1;
          messages.push({
            sequence,
            to: session.envelope.rcptTo.map((recipient) => recipient.address.toLowerCase()),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            headers: Object.fromEntries(
              parsed.headerLines.map((header) => [
                header.key,
                header.line
                  .slice(header.line.indexOf(':') + 1)
                  .replace(/\r?\n\s+/g, ' ')
                  .trim(),
              ]),
            ),
            receivedAt: new Date(),
          });
          if (messages.length > 200) messages.shift();
          for (const wake of waiters) wake();
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.server.address() as AddressInfo;

  return {
    smtpUrl: `smtp://127.0.0.1:${address.port}`,
    messages,
    lastSequence: () => sequence,
    waitForMail(to, matches = () => true, timeoutMs = 10_000) {
      const find = () => messages.find((mail) => mail.to.includes(to.toLowerCase()) && matches(mail));
      return new Promise((resolve, reject) => {
        const check = () => {
          const mail = find();
          if (!mail) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(mail);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no mail to ${to} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
