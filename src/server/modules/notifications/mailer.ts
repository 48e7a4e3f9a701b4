/**
 * Outgoing mail through nodemailer. With no SMTP URL configured the message is logged instead (development and
 * installations that only want in-app notifications). Sending throws on failure: the job that calls it retries.
 */
import { createTransport } from 'nodemailer';
import type { Logger } from '../../platform/logger.js';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  /** 'smtp' sends, 'log' only logs. */
  readonly mode: 'smtp' | 'log';
  send(message: MailMessage): Promise<void>;
  close(): void;
}

export function createMailer(opts: { smtpUrl: string; from: string; logger: Logger }): Mailer {
  if (!opts.smtpUrl) {
    return {
      mode: 'log',
      send: async (m) => {
        opts.logger.info(
          { to: m.to, subject: m.subject, text: m.text },
          'email (no SMTP configured; logged, not sent)',
        );
      },
      close: () => {},
    };
  }
  // Pooled: notification bursts (a batch approval) reuse connections instead of opening one per message.
  const transport = createTransport(opts.smtpUrl, { from: opts.from });
  return {
    mode: 'smtp',
    send: async (m) => {
      await transport.sendMail({ to: m.to, subject: m.subject, text: m.text });
    },
    close: () => transport.close(),
  };
}
