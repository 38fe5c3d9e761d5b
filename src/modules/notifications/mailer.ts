import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { PermanentDeliveryError } from './delivery-errors.js';

export interface MailAttachment {
  filename: string;
  content: Buffer | string;
  contentType: string;
  /** Set for inline images the HTML part shows as <img src="cid:...">. */
  cid?: string;
}

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The full header value, angle brackets included: the same for every attempt at one notification. */
  messageId: string;
  /** The Date header; fixed per notification so a resend is the same message, not a newer one. */
  date?: Date;
  attachments: MailAttachment[];
}

export interface SentMail {
  /** What the server said it did with the message (SMTP: its final reply, usually with a queue id). */
  providerId: string;
  /** File mailer: where the .eml was written. */
  file?: string;
}

export interface Mailer {
  readonly kind: 'smtp' | 'file';
  send(message: MailMessage): Promise<SentMail>;
  close(): void;
}

/**
 * Nothing here may take longer than the pg-boss job's expiry (60 s): a job still running after that is handed
 * to another worker, and two workers would both send. Connection + greeting + inactivity stay well below it.
 */
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 25_000 };

/** The domain of MAIL_FROM, for Message-IDs: `<notification-id@that-domain>`. */
export function mailDomain(from: string): string {
  return /@([^>\s]+)/.exec(from)?.[1]?.toLowerCase() ?? 'matinee.local';
}

function composeOptions(from: string, m: MailMessage) {
  return {
    from,
    to: m.to,
    subject: m.subject,
    text: m.text,
    html: m.html,
    messageId: m.messageId,
    ...(m.date ? { date: m.date } : {}),
    attachments: m.attachments.map((a) => ({
      filename: a.filename,
      content: a.content,
      contentType: a.contentType,
      ...(a.cid ? { cid: a.cid, contentDisposition: 'inline' as const } : {}),
    })),
  };
}

/** Sends through an SMTP server (SMTP_URL). One connection per message: notifications are not bulk mail. */
export class SmtpMailer implements Mailer {
  readonly kind = 'smtp';
  private readonly transport: ReturnType<typeof nodemailer.createTransport>;

  constructor(
    url: string,
    private readonly from: string,
  ) {
    this.transport = nodemailer.createTransport({ url, ...SMTP_TIMEOUTS });
  }

  async send(m: MailMessage): Promise<SentMail> {
    try {
      const info = (await this.transport.sendMail(composeOptions(this.from, m))) as { response?: string };
      return { providerId: (info.response ?? 'accepted').slice(0, 500) };
    } catch (err) {
      throw classifySmtpError(err);
    }
  }

  close(): void {
    this.transport.close();
  }
}

/**
 * A 5xx reply to the recipient or the message itself is final for this message. Everything else — the server
 * down, timeouts, 4xx, and also authentication failures (a configuration problem an operator fixes, after
 * which the retries go through by themselves) — is retried.
 */
function classifySmtpError(err: unknown): unknown {
  if (
    err instanceof Error &&
    'permanent' in err &&
    err.permanent === true &&
    'code' in err &&
    (err.code === 'EENVELOPE' || err.code === 'EMESSAGE')
  ) {
    const e = new PermanentDeliveryError(err.message);
    e.cause = err;
    return e;
  }
  return err;
}

/**
 * Development default (no SMTP_URL): every message becomes an .eml file under DATA_DIR/mail, plus an .html
 * preview with its inline images, listed at GET /dev/mail. Production refuses to start without SMTP_URL.
 */
export class FileMailer implements Mailer {
  readonly kind = 'file';
  private readonly transport = nodemailer.createTransport({ streamTransport: true, buffer: true });

  constructor(
    readonly dir: string,
    private readonly from: string,
    private readonly logger: Logger,
  ) {}

  async send(m: MailMessage): Promise<SentMail> {
    const info = await this.transport.sendMail(composeOptions(this.from, m));
    const message = info.message;
    if (!Buffer.isBuffer(message)) throw new Error('stream transport did not return a buffer');
    await mkdir(this.dir, { recursive: true });
    const stamp = new Date()
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    const id = m.messageId.replace(/^<|@.*$/g, '').replace(/[^\w.-]/g, '_');
    const base = path.join(this.dir, `${stamp}-${id}`);
    await writeFile(`${base}.eml`, message);
    await writeFile(`${base}.html`, previewHtml(this.from, m));
    this.logger.info(
      { file: `${base}.eml`, to: m.to, subject: m.subject },
      `email written to ${base}.eml (no SMTP_URL; list them at /dev/mail)`,
    );
    return { providerId: `file:${path.basename(base)}.eml`, file: `${base}.eml` };
  }

  close(): void {
    this.transport.close();
  }
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The HTML part with cid: images turned into data: URIs, under a header block, for a browser to show. */
function previewHtml(from: string, m: MailMessage): string {
  let body = m.html;
  for (const a of m.attachments) {
    if (!a.cid) continue;
    const data = Buffer.isBuffer(a.content) ? a.content : Buffer.from(a.content);
    body = body.split(`cid:${a.cid}`).join(`data:${a.contentType};base64,${data.toString('base64')}`);
  }
  const files = m.attachments.filter((a) => !a.cid).map((a) => escapeHtml(a.filename));
  return `<!doctype html><meta charset="utf-8"><title>${escapeHtml(m.subject)}</title>
<table style="font:13px sans-serif;color:#444;margin-bottom:12px">
<tr><th align="left">From</th><td>${escapeHtml(from)}</td></tr>
<tr><th align="left">To</th><td>${escapeHtml(m.to)}</td></tr>
<tr><th align="left">Subject</th><td>${escapeHtml(m.subject)}</td></tr>
<tr><th align="left">Message-ID</th><td>${escapeHtml(m.messageId)}</td></tr>
<tr><th align="left">Attachments</th><td>${files.join(', ') || 'none'}</td></tr>
</table><hr>
${body}`;
}

export function createMailer(config: Config, logger: Logger): Mailer {
  const { smtpUrl, from } = config.mail;
  if (smtpUrl) return new SmtpMailer(smtpUrl, from);
  return new FileMailer(mailDirectory(config), from, logger);
}

export function mailDirectory(config: Pick<Config, 'dataDir'>): string {
  return path.resolve(config.dataDir, 'mail');
}
