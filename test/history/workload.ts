import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiProcess } from '../helpers/api-process.js';
import type { Rng } from './prng.js';

/**
 * The clients of the history test. Each loops over random customer actions against a random API process and
 * records every request and what it saw (a history). They tolerate every answer: judging is the checker's job.
 */

export const CARDS = {
  good: '4242424242424242',
  declined: '4000000000000002',
  insufficient: '4000000000009995',
  processingError: '4000000000000119',
  slow: '4000000000006975',
} as const;
export type CardName = keyof typeof CARDS;

export type OpKind =
  | 'hold'
  | 'hold-replay'
  | 'pay'
  | 'pay-replay'
  | 'pay-race'
  | 'cancel'
  | 'refund'
  | 'refund-race'
  | 'refund-admitted'
  | 'ticket'
  | 'checkin'
  | 'get';

export interface Op {
  id: number;
  client: number;
  kind: OpKind;
  api: string;
  /** ms since the start of the run */
  start: number;
  end: number;
  /** HTTP status, or what went wrong before one arrived. */
  status: number | 'neterr' | 'timeout';
  /** error.code of a 4xx/5xx body */
  code?: string;
  /** The answer carried Idempotent-Replayed: true. */
  replayed: boolean;
  key?: string;
  card?: CardName;
  bookingId?: string;
  /** booking.status in the answer */
  bookingStatus?: string;
  paymentId?: string;
  paymentStatus?: string;
  seatIds?: string[];
  ticketId?: string;
  /** Something the client noticed on the spot (e.g. a key replayed with another booking). */
  anomaly?: string;
}

export interface ShowtimeSeats {
  id: string;
  seatIds: string[];
}

export interface World {
  /** ms since epoch when the run started */
  t0: number;
  stopped(): boolean;
  /** The API processes clients may talk to right now. */
  apis(): ApiProcess[];
  /** The showtimes on sale right now (the pool rotates so contention stays high but seats never run out). */
  showtimes(): ShowtimeSeats[];
  adminToken: string;
  record(op: Op): void;
  nextOpId(): number;
  requestTimeoutMs: number;
}

type BookingStatus = 'pending' | 'confirmed' | 'expired' | 'cancelled' | 'refunded' | 'unknown';

interface Tracked {
  id: string;
  status: BookingStatus;
  seatIds: string[];
  ticketIds: string[];
  admitted: boolean;
}

interface KeyUse {
  key: string;
  /** Exactly the body first sent with the key, so a replay is the same request. */
  body: unknown;
  path: string;
  bookingId?: string;
  card?: CardName;
}

interface Answer {
  status: number | 'neterr' | 'timeout';
  json: unknown;
  replayed: boolean;
}

interface BookingBody {
  id: string;
  status: Exclude<BookingStatus, 'unknown'>;
  tickets: { id: string; seatId: string }[];
}

function bookingOf(json: unknown): BookingBody | undefined {
  const b = (json as { booking?: BookingBody } | undefined)?.booking;
  return b && typeof b.id === 'string' ? b : undefined;
}

function errorCode(json: unknown): string | undefined {
  const code = (json as { error?: { code?: unknown } } | undefined)?.error?.code;
  return typeof code === 'string' ? code : undefined;
}

export async function request(
  base: string,
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  opts: { token?: string; body?: unknown; key?: string; timeoutMs: number },
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.key) headers['idempotency-key'] = opts.key;
  try {
    const res = await fetch(`${base}${url}`, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = { raw: text.slice(0, 200) };
    }
    return { status: res.status, json, replayed: res.headers.get('idempotent-replayed') === 'true' };
  } catch (err) {
    const name = (err as { name?: string }).name;
    return {
      status: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'neterr',
      json: undefined,
      replayed: false,
    };
  }
}

const CARD_WEIGHTS: Record<CardName, number> = {
  good: 52,
  declined: 10,
  insufficient: 7,
  processingError: 8,
  slow: 23,
};

export class HistoryClient {
  private readonly bookings = new Map<string, Tracked>();
  private readonly holdKeys: KeyUse[] = [];
  private readonly payKeys: KeyUse[] = [];
  private keyCounter = 0;

  constructor(
    private readonly index: number,
    private readonly token: string,
    private readonly rng: Rng,
    private readonly world: World,
  ) {}

  async run(): Promise<void> {
    while (!this.world.stopped()) {
      try {
        await this.step();
      } catch (err) {
        // A harness bug must not pass silently as "no violations".
        this.world.record({
          ...this.blank('get', 'harness'),
          status: 'neterr',
          anomaly: `harness error: ${err instanceof Error ? err.stack : String(err)}`,
        });
      }
      await sleep(this.rng.int(40, 260));
    }
  }

  private blank(kind: OpKind, api: string): Op {
    const now = Date.now() - this.world.t0;
    return { id: 0, client: this.index, kind, api, start: now, end: now, status: 'neterr', replayed: false };
  }

  private api(avoid?: ApiProcess): ApiProcess | undefined {
    const all = this.world.apis();
    const others = avoid ? all.filter((a) => a !== avoid) : all;
    return others.length > 0 ? this.rng.pick(others) : all.length > 0 ? this.rng.pick(all) : undefined;
  }

  private newKey(what: string): string {
    return `h${this.index}-${what}-${++this.keyCounter}-${Math.floor(this.rng() * 1e9)}`;
  }

  /** Sends one request and records it; returns the answer for the caller to update its picture. */
  private async send(
    kind: OpKind,
    api: ApiProcess,
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    extra: Partial<Op> & { body?: unknown; key?: string; token?: string } = {},
  ): Promise<Answer & { op: Op }> {
    const { body, token, ...fields } = extra;
    const start = Date.now() - this.world.t0;
    const answer = await request(api.base, method, url, {
      token: token ?? this.token,
      body,
      key: extra.key,
      timeoutMs: this.world.requestTimeoutMs,
    });
    const booking = bookingOf(answer.json);
    const payment = (answer.json as { payment?: { id?: string; status?: string } } | undefined)?.payment;
    const op: Op = {
      ...fields,
      id: this.world.nextOpId(),
      client: this.index,
      kind,
      api: api.name,
      start,
      end: Date.now() - this.world.t0,
      status: answer.status,
      replayed: answer.replayed,
      ...(errorCode(answer.json) ? { code: errorCode(answer.json) } : {}),
      ...(booking ? { bookingStatus: booking.status } : {}),
      ...(payment?.id ? { paymentId: payment.id, paymentStatus: payment.status } : {}),
    };
    if (booking && !op.bookingId) op.bookingId = booking.id;
    this.world.record(op);
    return { ...answer, op };
  }

  /** Updates what this customer believes about a booking from an answer. */
  private learn(b: Tracked, answer: Answer): void {
    const booking = bookingOf(answer.json);
    if (booking && booking.id === b.id) {
      b.status = booking.status;
      if (booking.tickets.length > 0) b.ticketIds = booking.tickets.map((t) => t.id);
      return;
    }
    if (
      answer.status === 'neterr' ||
      answer.status === 'timeout' ||
      (typeof answer.status === 'number' && answer.status >= 500)
    ) {
      if (b.status === 'pending' || b.status === 'confirmed') b.status = 'unknown';
      return;
    }
    const code: string = errorCode(answer.json) ?? '';
    switch (code) {
      case 'HOLD_EXPIRED':
        b.status = 'expired';
        break;
      case 'BOOKING_NOT_FOUND':
        this.bookings.delete(b.id);
        break;
      case 'PAYMENT_DECLINED':
      case 'PAYMENT_FAILED':
      case 'PAYMENT_IN_PROGRESS':
      case 'IDEMPOTENCY_REQUEST_IN_PROGRESS':
        break;
      default:
        // ALREADY_PAID, BOOKING_NOT_PENDING, BOOKING_NOT_CONFIRMED and codes added later: ask again.
        if (typeof answer.status === 'number' && answer.status >= 400) b.status = 'unknown';
    }
  }

  private track(answer: Answer, holdKey?: string): Tracked | undefined {
    const booking = bookingOf(answer.json);
    if (answer.status !== 201 || !booking) return undefined;
    const known = this.bookings.get(booking.id);
    if (known) return known;
    const t: Tracked = {
      id: booking.id,
      status: booking.status,
      seatIds: booking.tickets.map((x) => x.seatId),
      ticketIds: booking.tickets.map((x) => x.id),
      admitted: false,
    };
    this.bookings.set(t.id, t);
    const use = holdKey ? this.holdKeys.find((k) => k.key === holdKey) : undefined;
    if (use) use.bookingId = t.id;
    return t;
  }

  private prune(): void {
    const done = [...this.bookings.values()].filter(
      (b) => b.status === 'cancelled' || b.status === 'expired' || b.status === 'refunded' || b.admitted,
    );
    for (const b of done.slice(0, Math.max(0, done.length - 6))) this.bookings.delete(b.id);
    if (this.holdKeys.length > 8) this.holdKeys.splice(0, this.holdKeys.length - 8);
    if (this.payKeys.length > 8) this.payKeys.splice(0, this.payKeys.length - 8);
  }

  private async step(): Promise<void> {
    this.prune();
    const all = [...this.bookings.values()];
    const pending = all.filter((b) => b.status === 'pending');
    const unknown = all.filter((b) => b.status === 'unknown');
    const confirmed = all.filter((b) => b.status === 'confirmed' && !b.admitted);
    const admitted = all.filter((b) => b.status === 'confirmed' && b.admitted);
    const kind = this.rng.weighted({
      // Mostly one or two holds at a time; now and then one more, against the active-hold limit.
      hold: pending.length + unknown.length < 2 ? 4 : 0.3,
      pay: pending.length > 0 ? 6 : 0,
      payRace: pending.length > 0 ? 0.5 : 0,
      cancel: pending.length > 0 ? 0.8 : 0,
      refund: confirmed.length > 0 ? 3 : 0,
      refundRace: confirmed.length > 0 ? 0.5 : 0,
      checkin: confirmed.length > 0 ? 1 : 0,
      refundAdmitted: admitted.length > 0 ? 0.4 : 0,
      replayHold: this.holdKeys.length > 0 ? 0.5 : 0,
      replayPay: this.payKeys.length > 0 ? 0.8 : 0,
      refresh: unknown.length > 0 ? 3 : all.length > 0 ? 0.2 : 0,
    });
    const api = this.api();
    if (!api || !kind) return;
    switch (kind) {
      case 'hold':
        return this.hold(api);
      case 'pay':
        return this.pay(api, this.rng.pick(pending), 'pay');
      case 'payRace': {
        const b = this.rng.pick(pending);
        await Promise.all([this.pay(api, b, 'pay-race'), this.pay(this.api(api) ?? api, b, 'pay-race')]);
        return;
      }
      case 'cancel': {
        const b = this.rng.pick(pending);
        this.learn(
          b,
          await this.send('cancel', api, 'DELETE', `/api/v1/bookings/${b.id}`, { bookingId: b.id }),
        );
        return;
      }
      case 'refund':
        return this.refund(api, this.rng.pick(confirmed), 'refund');
      case 'refundRace': {
        const b = this.rng.pick(confirmed);
        await Promise.all([
          this.refund(api, b, 'refund-race'),
          this.refund(this.api(api) ?? api, b, 'refund-race'),
        ]);
        return;
      }
      case 'checkin':
        return this.checkIn(api, this.rng.pick(confirmed));
      case 'refundAdmitted':
        return this.refund(api, this.rng.pick(admitted), 'refund-admitted');
      case 'replayHold':
        return this.replay(api, this.rng.pick(this.holdKeys), 'hold-replay');
      case 'replayPay':
        return this.replay(api, this.rng.pick(this.payKeys), 'pay-replay');
      case 'refresh': {
        const b = unknown.length > 0 ? this.rng.pick(unknown) : this.rng.pick(all);
        this.learn(b, await this.send('get', api, 'GET', `/api/v1/bookings/${b.id}`, { bookingId: b.id }));
        return;
      }
    }
  }

  private async hold(api: ApiProcess): Promise<void> {
    const showtimes = this.world.showtimes();
    if (showtimes.length === 0) return;
    const st = this.rng.pick(showtimes);
    const k = this.rng.int(1, 4);
    let seatIds: string[];
    if (this.rng.chance(0.5)) {
      const from = this.rng.int(0, st.seatIds.length - k);
      seatIds = st.seatIds.slice(from, from + k);
    } else {
      const set = new Set<string>();
      while (set.size < k) set.add(this.rng.pick(st.seatIds));
      seatIds = [...set];
    }
    const body = { showtimeId: st.id, seatIds };
    const key = this.rng.chance(0.6) ? this.newKey('hold') : undefined;
    if (key) this.holdKeys.push({ key, body, path: '/api/v1/bookings' });
    const answer = await this.send('hold', api, 'POST', '/api/v1/bookings', { body, key, seatIds });
    this.track(answer, key);
    // A client that did not hear back (or is impatient) sends the very same request again.
    if (key && (typeof answer.status !== 'number' || answer.status >= 500 || this.rng.chance(0.15))) {
      await this.replay(this.api(api) ?? api, this.holdKeys[this.holdKeys.length - 1]!, 'hold-replay');
    }
  }

  private async pay(api: ApiProcess, b: Tracked, kind: 'pay' | 'pay-race'): Promise<void> {
    const card = this.rng.weighted(CARD_WEIGHTS) ?? 'good';
    const body = { card: { number: CARDS[card], expMonth: 12, expYear: 2099, cvc: '123' } };
    const key = this.rng.chance(0.6) ? this.newKey('pay') : undefined;
    const path = `/api/v1/bookings/${b.id}/payment`;
    if (key) this.payKeys.push({ key, body, path, bookingId: b.id, card });
    const answer = await this.send(kind, api, 'POST', path, { body, key, card, bookingId: b.id });
    this.learn(b, answer);
    if (key && (typeof answer.status !== 'number' || answer.status >= 500) && this.rng.chance(0.5)) {
      await this.replay(this.api(api) ?? api, this.payKeys[this.payKeys.length - 1]!, 'pay-replay');
    }
  }

  private async replay(api: ApiProcess, use: KeyUse, kind: 'hold-replay' | 'pay-replay'): Promise<void> {
    const answer = await this.send(kind, api, 'POST', use.path, {
      body: use.body,
      key: use.key,
      ...(use.card ? { card: use.card } : {}),
      ...(use.bookingId ? { bookingId: use.bookingId } : {}),
      ...(kind === 'hold-replay' ? { seatIds: (use.body as { seatIds: string[] }).seatIds } : {}),
    });
    const booking = bookingOf(answer.json);
    if (kind === 'hold-replay') {
      if (answer.status === 201 && booking && use.bookingId && booking.id !== use.bookingId) {
        answer.op.anomaly = `hold key ${use.key} answered booking ${booking.id}, earlier ${use.bookingId}`;
      }
      this.track(answer, use.key);
    } else if (use.bookingId) {
      const b = this.bookings.get(use.bookingId);
      if (b) this.learn(b, answer);
    }
  }

  private async refund(
    api: ApiProcess,
    b: Tracked,
    kind: 'refund' | 'refund-race' | 'refund-admitted',
  ): Promise<void> {
    const answer = await this.send(kind, api, 'POST', `/api/v1/bookings/${b.id}/refund`, { bookingId: b.id });
    this.learn(b, answer);
  }

  private async checkIn(api: ApiProcess, b: Tracked): Promise<void> {
    if (b.ticketIds.length === 0) return;
    const ticketId = this.rng.pick(b.ticketIds);
    const ticket = await this.send('ticket', api, 'GET', `/api/v1/tickets/${ticketId}`, {
      bookingId: b.id,
      ticketId,
    });
    const code = (ticket.json as { ticket?: { code?: string } } | undefined)?.ticket?.code;
    if (ticket.status !== 200 || !code) {
      b.status = 'unknown';
      return;
    }
    const door = this.api() ?? api;
    const answer = await this.send('checkin', door, 'POST', '/api/v1/checkin', {
      body: { code },
      token: this.world.adminToken,
      bookingId: b.id,
      ticketId,
    });
    if (answer.status === 200 || errorCode(answer.json) === 'ALREADY_CHECKED_IN') b.admitted = true;
    else b.status = 'unknown';
    // The customer who was let in now asks for the money back.
    if (b.admitted && this.rng.chance(0.5)) await this.refund(this.api() ?? api, b, 'refund-admitted');
  }
}
