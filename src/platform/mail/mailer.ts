import nodemailer from 'nodemailer';
import { z } from 'zod';

export const MailMessage = z.object({
  to: z.email(),
  subject: z.string().min(1).max(200),
  text: z.string().min(1).max(100_000),
  /**
   * RFC 2369 / RFC 8058 unsubscribe headers of notification mail, the only extra headers a mail may set.
   * `unsubscribeUrl` becomes `List-Unsubscribe: <url>` and, with `oneClick`, `List-Unsubscribe-Post:
   * List-Unsubscribe=One-Click`.
   */
  list: z.object({ unsubscribeUrl: z.url(), oneClick: z.boolean() }).optional(),
});
export type MailMessage = z.infer<typeof MailMessage>;

export interface Mailer {
  send(message: MailMessage): Promise<void>;
  close(): void;
}

/** Sends over SMTP with nodemailer. Plain text: it reaches every phone and every mail client. */
export function createSmtpMailer(smtpUrl: string, from: string): Mailer {
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    async send(message) {
      await transport.sendMail({
        from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        ...(message.list
          ? {
              list: { unsubscribe: message.list.unsubscribeUrl },
              ...(message.list.oneClick ? { headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } } : {}),
            }
          : {}),
      });
    },
    close() {
      transport.close();
    },
  };
}
