import { once } from 'node:events';
import http from 'node:http';
import type net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A port nothing listens on right now (for "the SMTP server is down"), which a server can take later. */
export { freePort } from '../../src/db/embedded.js';

export interface ReceivedMail {
  raw: Buffer;
  from: string;
  to: string[];
  parsed: ParsedMail;
  /** false: the DATA arrived in full but the server never answered 250 (it stalled). */
  acknowledged: boolean;
}

export interface TestSmtpServer {
  port: number;
  url: string;
  /** Every message whose DATA arrived in full, acknowledged or not, in order. */
  received: ReceivedMail[];
  accepted(): ReceivedMail[];
  close(): Promise<void>;
}

/**
 * A real SMTP server (smtp-server, plain text, no auth) on 127.0.0.1. `stallFirst`: the first message's DATA is
 * read in full and then never answered, as a server that hangs mid-transaction — the sender is left waiting.
 */
export async function startSmtpServer(
  opts: { port?: number; stallFirst?: boolean } = {},
): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  let stalled = false;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    // Connections still open at close (a stalled sender) are cut after half a second, not the default 30 s.
    closeTimeout: 500,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        const stall = opts.stallFirst === true && !stalled;
        if (stall) stalled = true;
        void simpleParser(raw, { skipImageLinks: true }).then((parsed) => {
          received.push({
            raw,
            parsed,
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            acknowledged: !stall,
          });
          if (!stall) callback();
        });
      });
    },
  });
  server.listen(opts.port ?? 0, '127.0.0.1');
  await once(server.server, 'listening');
  const { port } = server.server.address() as net.AddressInfo;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    received,
    accepted: () => received.filter((m) => m.acknowledged),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface SmsRequest {
  authorization: string | undefined;
  idempotencyKey: string | undefined;
  body: { to: string; from?: string; body: string };
}

export interface SmsStub {
  url: string;
  requests: SmsRequest[];
  /** Answer for a given recipient (default 201 with an id). */
  respond: (to: string) => { status: number; body: unknown };
  close(): Promise<void>;
}

/** A stand-in for an SMS provider's HTTP API: records each POST, answers like the real thing. */
export async function startSmsStub(): Promise<SmsStub> {
  let n = 0;
  const stub: SmsStub = {
    url: '',
    requests: [],
    respond: () => ({ status: 201, body: { id: `SM${++n}`, status: 'queued' } }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as SmsRequest['body'];
      stub.requests.push({
        authorization: req.headers.authorization,
        idempotencyKey: req.headers['idempotency-key'] as string | undefined,
        body,
      });
      const answer = stub.respond(body.to);
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  stub.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/v1/messages`;
  return stub;
}

/** Polls until `check` returns a value (not undefined/false), or fails with `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}
