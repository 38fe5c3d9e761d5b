import { open, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../context.js';
import { NotFoundError } from '../../http/errors.js';
import { isLoopback } from '../../http/loopback.js';
import { mailDirectory } from './mailer.js';

const FILE_PATTERN = /^[\w.-]+\.(eml|html)$/;

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** RFC 2047 encoded words (=?UTF-8?Q?...?= / =?UTF-8?B?...?=), as nodemailer writes non-ASCII headers. */
export function decodeHeader(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_all, _charset: string, enc: string, text: string) => {
      if (enc.toUpperCase() === 'B') return Buffer.from(text, 'base64').toString('utf8');
      const bytes: number[] = [];
      for (let i = 0; i < text.length; i++) {
        const c = text[i]!;
        if (c === '_') bytes.push(0x20);
        else if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
          bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
          i += 2;
        } else bytes.push(c.charCodeAt(0));
      }
      return Buffer.from(bytes).toString('utf8');
    });
}

/** Subject, To and Date from the header block of an .eml (the first 16 kB are plenty). */
async function headersOf(file: string): Promise<Record<string, string>> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(16_384), 0, 16_384, 0);
    const head =
      buffer
        .subarray(0, bytesRead)
        .toString('utf8')
        .split(/\r?\n\r?\n/)[0] ?? '';
    const out: Record<string, string> = {};
    for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
      const m = /^(Subject|To|Date|Message-ID):\s*(.*)$/i.exec(line);
      if (m) out[m[1]!.toLowerCase()] = decodeHeader(m[2]!);
    }
    return out;
  } finally {
    await handle.close();
  }
}

/**
 * Development only (never registered in production): the emails the file mailer wrote when no SMTP_URL is
 * set. GET /dev/mail lists them; each has an HTML preview (inline QR codes shown) and the raw .eml.
 */
export const devMailRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const dir = mailDirectory(ctx.config);
  // Development mail holds other people's tickets: only for the machine itself, even when HOST is 0.0.0.0.
  app.addHook('onRequest', async (req) => {
    if (!isLoopback(req)) {
      throw new NotFoundError('Route', 'ROUTE_NOT_FOUND');
    }
    return Promise.resolve();
  });

  app.get('/mail', { schema: { hide: true } }, async (_req, reply) => {
    const names = (await readdir(dir).catch(() => [] as string[]))
      .filter((f) => f.endsWith('.eml'))
      .sort()
      .reverse()
      .slice(0, 200);
    const rows = await Promise.all(
      names.map(async (name) => {
        const h = await headersOf(path.join(dir, name)).catch((): Record<string, string> => ({}));
        const base = name.slice(0, -4);
        return `<tr><td>${escapeHtml(h.date ?? '')}</td><td>${escapeHtml(h.to ?? '')}</td>
<td><a href="/dev/mail/${encodeURIComponent(base)}.html">${escapeHtml(h.subject ?? name)}</a></td>
<td><a href="/dev/mail/${encodeURIComponent(name)}">.eml</a></td></tr>`;
      }),
    );
    const where =
      ctx.mailer.kind === 'smtp'
        ? '<p>SMTP_URL is set: mail goes to that server, not here.</p>'
        : `<p>Emails written to <code>${escapeHtml(dir)}</code> (no SMTP_URL set), newest first.</p>`;
    return reply.type('text/html; charset=utf-8').send(`<!doctype html><meta charset="utf-8">
<title>Matinee mail (development)</title>
<body style="font:14px sans-serif;margin:24px"><h1>Outgoing mail</h1>${where}
<table cellpadding="6" style="border-collapse:collapse">
<tr><th align="left">Date</th><th align="left">To</th><th align="left">Subject</th><th></th></tr>
${rows.join('\n') || '<tr><td colspan="4">No mail yet. Book and pay for a ticket.</td></tr>'}
</table></body>`);
  });

  app.get(
    '/mail/:file',
    { schema: { hide: true, params: Type.Object({ file: Type.String({ maxLength: 200 }) }) } },
    async (req, reply) => {
      const { file } = req.params;
      if (!FILE_PATTERN.test(file) || file.includes('..')) throw new NotFoundError('Mail', 'MAIL_NOT_FOUND');
      let content: Buffer;
      try {
        content = await readFile(path.join(dir, file));
      } catch {
        throw new NotFoundError('Mail', 'MAIL_NOT_FOUND');
      }
      if (file.endsWith('.eml')) {
        // Shown as text so a browser displays the raw message instead of downloading it.
        return reply.type('text/plain; charset=utf-8').send(content);
      }
      return reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', "default-src 'none'; img-src data:; style-src 'unsafe-inline'")
        .send(content);
    },
  );
  return Promise.resolve();
};
