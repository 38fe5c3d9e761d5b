import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { PermanentDeliveryError } from './delivery-errors.js';

export interface SmsMessage {
  /** E.164, e.g. +15551234567 (users.phone is validated as such). */
  to: string;
  body: string;
  /** Stable per notification; sent as the provider's idempotency key where it honours one. */
  reference: string;
}

export interface SmsProvider {
  readonly kind: 'http' | 'log';
  send(message: SmsMessage): Promise<{ providerId: string }>;
}

/** Well below the pg-boss job expiry (60 s), for the same reason as the SMTP timeouts. */
const SMS_TIMEOUT_MS = 15_000;

/**
 * The shape most SMS APIs share: POST JSON {to, from?, body} with a bearer token; 2xx = accepted (the
 * response carries the provider's message id); 4xx = this message is refused (retrying will not help),
 * except 429 (slow down); 5xx and network errors = try again later.
 */
export class HttpSmsProvider implements SmsProvider {
  readonly kind = 'http';

  constructor(
    private readonly url: string,
    private readonly token: string,
    private readonly from: string | undefined,
  ) {}

  async send(m: SmsMessage): Promise<{ providerId: string }> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${this.token}`,
        'content-type': 'application/json',
        accept: 'application/json',
        'idempotency-key': m.reference,
      },
      body: JSON.stringify({ to: m.to, ...(this.from ? { from: this.from } : {}), body: m.body }),
      signal: AbortSignal.timeout(SMS_TIMEOUT_MS),
    });
    const text = await res.text();
    if (res.ok) return { providerId: providerIdOf(text) ?? `http-${res.status}` };
    const detail = `SMS provider answered ${res.status}: ${text.slice(0, 300)}`;
    if (res.status >= 400 && res.status < 500 && res.status !== 429 && res.status !== 408) {
      throw new PermanentDeliveryError(detail);
    }
    throw new Error(detail);
  }
}

/** `id`, `sid`, `messageId`, `message_id` or `messages[0].id` / `message-id`: what common APIs return. */
function providerIdOf(text: string): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null) return undefined;
  const o = json as Record<string, unknown>;
  for (const key of ['id', 'sid', 'messageId', 'message_id', 'message-id']) {
    const v = o[key];
    if (typeof v === 'string' || typeof v === 'number') return String(v).slice(0, 200);
  }
  if (Array.isArray(o.messages) && o.messages.length > 0) {
    const first = o.messages[0] as Record<string, unknown> | undefined;
    for (const key of ['id', 'message-id', 'messageId']) {
      const v = first?.[key];
      if (typeof v === 'string' || typeof v === 'number') return String(v).slice(0, 200);
    }
  }
  return undefined;
}

/** Development default: the message goes to the log, nowhere else. */
export class LogSmsProvider implements SmsProvider {
  readonly kind = 'log';
  constructor(private readonly logger: Logger) {}

  send(m: SmsMessage): Promise<{ providerId: string }> {
    this.logger.info({ sms: { to: m.to, body: m.body } }, `SMS to ${m.to} (no SMS_API_URL: logged only)`);
    return Promise.resolve({ providerId: `log:${m.reference}` });
  }
}

/**
 * The configured provider, or none: in production without SMS_API_URL, SMS is off (phone numbers and ticket
 * details do not belong in production logs) and no SMS notifications are recorded.
 */
export function createSmsProvider(config: Config, logger: Logger): SmsProvider | undefined {
  const { apiUrl, apiToken, from } = config.sms;
  if (apiUrl && apiToken) return new HttpSmsProvider(apiUrl, apiToken, from);
  return config.env === 'production' ? undefined : new LogSmsProvider(logger);
}
