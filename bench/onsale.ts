/**
 * The on-sale: a premiere's seat map with thousands watching and a thousand customers buying at once.
 *
 * First `streams` seat streams (SSE) open on the showtime and receive their snapshot, as browsers waiting
 * for the sale would. Then `customers` virtual customers, `concurrency` at a time, each: load the seat map,
 * hold up to 2 seats among those shown free (best seats first, as people choose), on 409 retry up to
 * `retries` times with a fresh map, then pay with the test card that succeeds. A customer who sees no free
 * seat leaves. Sampled stream clients parse every event, which gives the delay from a hold's 201 to the
 * moment a subscriber sees that seat taken. Afterwards the database is asked what was sold, and to whom.
 */
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { sql } from 'kysely';
import type { Db } from '../src/db/database.js';
import type { BenchShowtime } from './fixtures.js';
import {
  countInto,
  forEachBounded,
  formatCounts,
  memoryOf,
  ms,
  request,
  summarize,
  type HttpAnswer,
  type Summary,
} from './lib.js';

export interface OnsaleOptions {
  port: number;
  /** The API processes (RSS is reported for the largest). */
  pids: number[];
  db: Db;
  showtime: BenchShowtime;
  /** Bearer tokens: the first `customers` buy; the first `streams` watch (customers watch too). */
  bearers: string[];
  /** A stream token for user i, minted without HTTP (sampled clients ask the API for theirs instead). */
  streamToken: (i: number) => Promise<string>;
  customers: number;
  streams: number;
  sample: number;
  concurrency: number;
  retries: number;
  timeoutSeconds: number;
}

export interface StepStats {
  latency: Summary;
  answers: Map<string | number, number>;
}

export interface OnsaleResult {
  capacity: number;
  soldSeats: number;
  soldOutSeconds: number | undefined;
  saleSeconds: number;
  doubleSalesClient: number;
  doubleSalesDb: number;
  inconsistentSeats: number;
  confirmedBookings: number;
  succeededPayments: number;
  unexpected: number;
  unexpectedSamples: string[];
  steps: { map: StepStats; hold: StepStats; pay: StepStats };
  outcomes: Map<string | number, number>;
  streamsOpen: number;
  streamOpenSeconds: number;
  streamOpen: Summary;
  streamFailures: Map<string | number, number>;
  streamsDropped: number;
  delay: Summary;
  delayNegative: number;
  delayMissed: number;
  delaySamples: number;
  rssAfterStreamsMiB: number | undefined;
  rssPeakMiB: number | undefined;
  rssHwmMiB: number | undefined;
  loadgenLagP99: number;
  loadgenLagMax: number;
  /** From one API process's /metrics, during the sale only: what the server itself measured (undefined: none). */
  server?: ServerTimings;
}

/** Quantiles read off Prometheus histograms (upper bounds of buckets, seconds → ms), diffed across the sale. */
export interface ServerTimings {
  steps: Record<'map' | 'hold' | 'pay', { n: number; p50: number; p99: number }>;
  poolWait: { n: number; p50: number; p99: number };
  /** Holds answered 409 from the process's memory, and how many of them after waiting for another hold. */
  fromMemory: { n: number; waited: number };
}

type Buckets = Map<string, Map<number, number>>;

/** Cumulative bucket counts per series of the histograms we read, from the text format. */
async function scrapeBuckets(agent: http.Agent, port: number): Promise<Buckets> {
  const a = await request(agent, port, { method: 'GET', path: '/metrics' });
  const out: Buckets = new Map();
  for (const line of a.body.split('\n')) {
    // A counter, kept as a histogram with one bucket so quantiles() can take its difference.
    const c = /^matinee_holds_refused_from_memory_total\{waited="(\w+)"\} (\S+)$/.exec(line);
    if (c) out.set(`memory ${c[1]}`, new Map([[Number.POSITIVE_INFINITY, Number(c[2])]]));
    const m =
      /^(matinee_http_request_duration_seconds|matinee_db_pool_wait_seconds)_bucket\{(.*)\} (\S+)$/.exec(
        line,
      );
    if (!m) continue;
    const labels = m[2]!;
    const le = /le="([^"]+)"/.exec(labels)![1]!;
    const route = /route="([^"]+)"/.exec(labels)?.[1] ?? '';
    const method = /method="([^"]+)"/.exec(labels)?.[1] ?? '';
    const key = `${m[1]} ${method} ${route}`;
    const series = out.get(key) ?? new Map<number, number>();
    const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
    series.set(bound, (series.get(bound) ?? 0) + Number(m[3]));
    out.set(key, series);
  }
  return out;
}

function quantiles(before: Buckets, after: Buckets, match: (key: string) => boolean) {
  const diff = new Map<number, number>();
  for (const [key, series] of after) {
    if (!match(key)) continue;
    for (const [bound, n] of series)
      diff.set(bound, (diff.get(bound) ?? 0) + n - (before.get(key)?.get(bound) ?? 0));
  }
  const bounds = [...diff.keys()].sort((x, y) => x - y);
  const n = diff.get(Number.POSITIVE_INFINITY) ?? 0;
  const q = (p: number) => (bounds.find((b) => (diff.get(b) ?? 0) >= p * n) ?? Number.NaN) * 1000;
  return { n, p50: q(0.5), p99: q(0.99) };
}

interface MapSeat {
  id: string;
  x: number;
  y: number;
  status: string;
}

/** The one place that knows the seat map's wire shape. */
function seatsOf(body: string): MapSeat[] {
  const parsed = JSON.parse(body) as { seats?: MapSeat[] };
  if (!Array.isArray(parsed.seats)) throw new Error('seat map without seats');
  return parsed.seats;
}

/** One SSE connection; sampled ones parse every event and note when each seat was first seen taken. */
class StreamClient {
  readonly firstTaken = new Map<string, number>();
  opened = false;
  closedByServer = false;
  private req: http.ClientRequest | undefined;
  private closing = false;

  constructor(
    private readonly port: number,
    private readonly path: string,
    readonly sampled: boolean,
    private readonly agent: http.Agent,
  ) {}

  open(timeoutMs: number): Promise<number> {
    const t0 = performance.now();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.close();
        reject(new Error('stream: no first event in time'));
      }, timeoutMs);
      const req = http.get(
        {
          host: '127.0.0.1',
          port: this.port,
          path: this.path,
          agent: this.agent,
          headers: { accept: 'text/event-stream' },
        },
        (res) => {
          if (res.statusCode !== 200) {
            clearTimeout(timer);
            res.resume();
            reject(new Error(`stream: ${res.statusCode}`));
            return;
          }
          res.setEncoding('utf8');
          let pending = '';
          res.on('data', (chunk: string) => {
            if (!this.opened && chunk.includes('data:')) {
              this.opened = true;
              clearTimeout(timer);
              resolve(performance.now() - t0);
            }
            if (!this.sampled) return;
            const at = performance.now();
            pending += chunk;
            let cut: number;
            while ((cut = pending.indexOf('\n\n')) >= 0) {
              this.onEvent(pending.slice(0, cut), at);
              pending = pending.slice(cut + 2);
            }
          });
          res.on('close', () => {
            if (!this.closing) this.closedByServer = true;
          });
        },
      );
      req.on('error', (err) => {
        clearTimeout(timer);
        if (!this.opened) reject(err);
        else if (!this.closing) this.closedByServer = true;
      });
      this.req = req;
    });
  }

  close(): void {
    this.closing = true;
    this.req?.destroy();
  }

  /** Any event whose data carries `seats: [{id, status}]` (snapshots, changes, resyncs) counts. */
  private onEvent(block: string, at: number): void {
    const data = block
      .split('\n')
      .filter((l) => l.startsWith('data:'))
      .map((l) => l.slice(5).trimStart())
      .join('\n');
    if (!data) return;
    let seats: unknown;
    try {
      seats = (JSON.parse(data) as { seats?: unknown }).seats;
    } catch {
      return;
    }
    if (!Array.isArray(seats)) return;
    for (const s of seats as Array<{ id?: unknown; status?: unknown }>) {
      if (typeof s.id === 'string' && s.status !== 'available' && !this.firstTaken.has(s.id)) {
        this.firstTaken.set(s.id, at);
      }
    }
  }
}

class Step {
  readonly latencies: number[] = [];
  readonly answers = new Map<string | number, number>();
  record(a: HttpAnswer): void {
    this.latencies.push(a.ms);
    countInto(this.answers, a.status);
  }
  stats(): StepStats {
    return { latency: summarize(this.latencies), answers: this.answers };
  }
}

export async function runOnsale(o: OnsaleOptions): Promise<OnsaleResult> {
  const capacity = o.showtime.seats.length;
  const apiAgent = new http.Agent({ keepAlive: true, maxSockets: o.concurrency * 2 });
  const streamAgent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const deadline = performance.now() + o.timeoutSeconds * 1000;
  const unexpectedSamples: string[] = [];
  let unexpected = 0;
  const noteUnexpected = (what: string, a: HttpAnswer | Error) => {
    unexpected++;
    if (unexpectedSamples.length < 5) {
      unexpectedSamples.push(
        a instanceof Error ? `${what}: ${a.message}` : `${what}: ${a.status} ${a.body.slice(0, 200)}`,
      );
    }
  };

  // 1. The audience arrives: every stream open and past its snapshot before the sale starts.
  const streams: StreamClient[] = [];
  const streamFailures = new Map<string | number, number>();
  const openTimes: number[] = [];
  const sampleEvery = Math.max(1, Math.floor(o.streams / Math.max(1, o.sample)));
  const openStarted = performance.now();
  await forEachBounded(o.streams, 100, async (i) => {
    const sampled = o.sample > 0 && i % sampleEvery === 0 && i / sampleEvery < o.sample;
    try {
      let token: string;
      if (sampled) {
        const a = await request(apiAgent, o.port, {
          method: 'POST',
          path: `/api/v1/showtimes/${o.showtime.id}/seats/stream-token`,
          headers: { authorization: `Bearer ${o.bearers[i]}` },
        });
        if (a.status !== 200) throw new Error(`stream-token: ${a.status}`);
        token = (JSON.parse(a.body) as { token: string }).token;
      } else {
        token = await o.streamToken(i);
      }
      const client = new StreamClient(
        o.port,
        `/api/v1/showtimes/${o.showtime.id}/seats/stream?token=${encodeURIComponent(token)}`,
        sampled,
        streamAgent,
      );
      streams.push(client);
      openTimes.push(await client.open(30_000));
    } catch (err) {
      countInto(streamFailures, (err as Error).message);
    }
  });
  const streamOpenSeconds = (performance.now() - openStarted) / 1000;
  /** The largest API process's figure (the goal is per process). */
  const largest = (of: 'rssMiB' | 'peakMiB') => {
    const values = o.pids.map((pid) => memoryOf(pid)?.[of]).filter((v): v is number => v !== undefined);
    return values.length ? Math.max(...values) : undefined;
  };
  const rssAfterStreams = largest('rssMiB');
  for (const [, n] of streamFailures) unexpected += n;

  // The load generator's connections are open before the sale, as a reverse proxy's upstream keep-alive pool (or
  // a browser that has loaded the app) holds them; the customers share them, as they share the load generator.
  // Without this, the first request on each of the 64 new connections waited up to 1.8 s in the listen queue:
  // under CPU saturation Node (libuv >= 1.45) accepts one connection per event-loop iteration, while requests
  // on open connections are served in bulk (docs/benchmarks.md, docs/operations.md).
  await Promise.all(
    Array.from({ length: o.concurrency }, () =>
      request(apiAgent, o.port, { method: 'GET', path: '/api/v1/health/live' }),
    ),
  );

  // 2. The sale.
  let rssPeak = rssAfterStreams ?? 0;
  const rssTimer = setInterval(() => {
    rssPeak = Math.max(rssPeak, largest('rssMiB') ?? 0);
  }, 200);
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const metricsBefore = await scrapeBuckets(apiAgent, o.port).catch(() => undefined);
  const steps = { map: new Step(), hold: new Step(), pay: new Step() };
  const outcomes = new Map<string | number, number>();
  const heldAt = new Map<string, number>();
  const boughtBy = new Map<string | number, number>();
  let paidSeats = 0;
  let soldOutAt: number | undefined;
  const started = performance.now();

  const customer = async (i: number): Promise<string> => {
    const auth = { authorization: `Bearer ${o.bearers[i]}` };
    const avoid = new Set<string>();
    let map: MapSeat[] | undefined;
    let etag: string | undefined;
    let booking: { id: string } | undefined;
    for (let attempt = 0; attempt <= o.retries && !booking; attempt++) {
      if (performance.now() > deadline) return 'out of time';
      const m = await request(apiAgent, o.port, {
        method: 'GET',
        path: `/api/v1/showtimes/${o.showtime.id}/seats`,
        // As a browser asks: gzip accepted, revalidated with the ETag it holds.
        headers: {
          ...auth,
          'accept-encoding': 'gzip, deflate, br',
          ...(etag ? { 'if-none-match': etag } : {}),
        },
      });
      steps.map.record(m);
      if (m.status === 200) {
        map = seatsOf(m.body);
        etag = typeof m.headers.etag === 'string' ? m.headers.etag : undefined;
      } else if (m.status !== 304 || !map) {
        noteUnexpected('map', m);
        return 'error';
      }
      const free = map.filter((s) => s.status === 'available' && !avoid.has(s.id));
      if (free.length === 0) return attempt === 0 ? 'saw sold out' : 'sold out while retrying';
      const pick = choose(map, free);
      const h = await request(apiAgent, o.port, {
        method: 'POST',
        path: '/api/v1/bookings',
        headers: auth,
        body: { showtimeId: o.showtime.id, seatIds: pick },
      });
      steps.hold.record(h);
      if (h.status === 201) {
        const at = performance.now();
        for (const id of pick) heldAt.set(id, at);
        booking = (JSON.parse(h.body) as { booking: { id: string } }).booking;
      } else if (h.status === 409) {
        for (const id of pick) avoid.add(id);
      } else {
        noteUnexpected('hold', h);
        return 'error';
      }
    }
    if (!booking) return 'gave up after 409s';
    const p = await request(apiAgent, o.port, {
      method: 'POST',
      path: `/api/v1/bookings/${booking.id}/payment`,
      headers: auth,
      body: { card: { number: '4242424242424242', expMonth: 12, expYear: 2030, cvc: '123' } },
    });
    steps.pay.record(p);
    if (p.status !== 200) {
      noteUnexpected('pay', p);
      return p.status === 409 ? 'payment refused' : 'error';
    }
    const paid = JSON.parse(p.body) as {
      booking: { status: string; tickets: Array<{ seatId: string; status: string }> };
      payment: { status: string };
    };
    if (paid.payment.status !== 'succeeded' || paid.booking.status !== 'confirmed') return 'payment pending';
    for (const t of paid.booking.tickets) {
      if (t.status !== 'sold') continue;
      countInto(boughtBy, t.seatId);
      paidSeats++;
    }
    if (paidSeats >= capacity && soldOutAt === undefined) soldOutAt = performance.now();
    return 'bought';
  };

  await forEachBounded(o.customers, o.concurrency, async (i) => {
    try {
      countInto(outcomes, await customer(i));
    } catch (err) {
      noteUnexpected('customer', err as Error);
      countInto(outcomes, 'error');
    }
  });
  const saleSeconds = (performance.now() - started) / 1000;
  lag.disable();
  // Let the last events reach the sampled streams before judging the delays.
  await new Promise((r) => setTimeout(r, 2_000));
  clearInterval(rssTimer);
  const metricsAfter = metricsBefore
    ? await scrapeBuckets(apiAgent, o.port).catch(() => undefined)
    : undefined;
  const server: ServerTimings | undefined =
    metricsBefore && metricsAfter
      ? {
          steps: {
            map: quantiles(metricsBefore, metricsAfter, (k) =>
              k.endsWith('GET /api/v1/showtimes/:showtimeId/seats'),
            ),
            hold: quantiles(metricsBefore, metricsAfter, (k) => k.endsWith('POST /api/v1/bookings')),
            pay: quantiles(metricsBefore, metricsAfter, (k) =>
              k.endsWith('POST /api/v1/bookings/:bookingId/payment'),
            ),
          },
          poolWait: quantiles(metricsBefore, metricsAfter, (k) =>
            k.startsWith('matinee_db_pool_wait_seconds'),
          ),
          fromMemory: {
            n: quantiles(metricsBefore, metricsAfter, (k) => k.startsWith('memory ')).n,
            waited: quantiles(metricsBefore, metricsAfter, (k) => k === 'memory yes').n,
          },
        }
      : undefined;
  const hwm = largest('peakMiB');

  const delays: number[] = [];
  let negative = 0;
  let missed = 0;
  let samples = 0;
  for (const s of streams) {
    if (!s.sampled || !s.opened) continue;
    samples++;
    for (const [seat, at] of heldAt) {
      const seen = s.firstTaken.get(seat);
      if (seen === undefined) missed++;
      else {
        if (seen < at) negative++;
        delays.push(Math.max(0, seen - at));
      }
    }
  }
  const dropped = streams.filter((s) => s.closedByServer).length;
  for (const s of streams) s.close();
  apiAgent.destroy();
  streamAgent.destroy();

  const id = o.showtime.id;
  const db = await sql<{
    sold: number;
    double: number;
    inconsistent: number;
    confirmed: number;
    paid: number;
  }>`
    SELECT
      (SELECT count(*)::int FROM seat_inventory WHERE showtime_id = ${id} AND status = 'sold') AS sold,
      (SELECT count(*)::int FROM (SELECT seat_id FROM tickets WHERE showtime_id = ${id} AND status = 'sold'
                                   GROUP BY seat_id HAVING count(*) > 1) d) AS double,
      (SELECT count(*)::int FROM seat_inventory si WHERE si.showtime_id = ${id} AND si.status = 'sold'
          AND (SELECT count(*) FROM tickets t WHERE t.showtime_id = si.showtime_id AND t.seat_id = si.seat_id
                  AND t.status = 'sold') <> 1) AS inconsistent,
      (SELECT count(*)::int FROM bookings WHERE showtime_id = ${id} AND status = 'confirmed') AS confirmed,
      (SELECT count(*)::int FROM payments p JOIN bookings b ON b.id = p.booking_id
        WHERE b.showtime_id = ${id} AND p.status = 'succeeded') AS paid`.execute(o.db);
  const r = db.rows[0]!;

  return {
    capacity,
    soldSeats: r.sold,
    soldOutSeconds: soldOutAt === undefined ? undefined : (soldOutAt - started) / 1000,
    saleSeconds,
    doubleSalesClient: [...boughtBy.values()].filter((n) => n > 1).length,
    doubleSalesDb: r.double,
    inconsistentSeats: r.inconsistent,
    confirmedBookings: r.confirmed,
    succeededPayments: r.paid,
    unexpected,
    unexpectedSamples,
    steps: { map: steps.map.stats(), hold: steps.hold.stats(), pay: steps.pay.stats() },
    outcomes,
    streamsOpen: openTimes.length,
    streamOpenSeconds,
    streamOpen: summarize(openTimes),
    streamFailures,
    streamsDropped: dropped,
    delay: summarize(delays),
    delayNegative: negative,
    delayMissed: missed,
    delaySamples: samples,
    rssAfterStreamsMiB: rssAfterStreams,
    rssPeakMiB: rssPeak || undefined,
    rssHwmMiB: hwm,
    loadgenLagP99: lag.percentile(99) / 1e6,
    loadgenLagMax: lag.max / 1e6,
    server,
  };
}

/**
 * People pick the best seats they can see: the free seat nearest the middle (with some taste, i.e. jitter),
 * and its neighbour in the same row when that is free too, else the next best.
 */
function choose(all: MapSeat[], free: MapSeat[]): string[] {
  const cx = all.reduce((n, s) => n + s.x, 0) / all.length;
  const cy = all.reduce((n, s) => n + s.y, 0) / all.length;
  const scored = free
    .map((s) => ({ s, score: Math.hypot(s.x - cx, (s.y - cy) * 1.5) + Math.random() * 6 }))
    .sort((a, b) => a.score - b.score);
  const first = scored[0]!.s;
  if (scored.length === 1) return [first.id];
  const neighbour = free.find((s) => s.y === first.y && Math.abs(s.x - first.x) === 1);
  return [first.id, (neighbour ?? scored[1]!.s).id];
}

export function printOnsale(
  r: OnsaleResult,
  o: Pick<OnsaleOptions, 'customers' | 'streams' | 'concurrency'>,
) {
  const step = (name: string, s: StepStats) =>
    `| ${name} | ${s.latency.n} | ${ms(s.latency.p50)} | ${ms(s.latency.p99)} | ${ms(s.latency.max)} | ${formatCounts(s.answers)} |`;
  const lines = [
    `On-sale: ${o.customers} customers (${o.concurrency} at a time) on one ${r.capacity}-seat showtime, ` +
      `${o.streams} seat streams open (${r.streamsOpen} opened in ${r.streamOpenSeconds.toFixed(1)} s, ` +
      `p50 ${ms(r.streamOpen.p50)} ms, p99 ${ms(r.streamOpen.p99)} ms to the snapshot)`,
    '',
    '| step | requests | p50 ms | p99 ms | max ms | answers |',
    '|---|---:|---:|---:|---:|---|',
    step('seat map', r.steps.map),
    step('hold', r.steps.hold),
    step('pay', r.steps.pay),
    ...(r.server
      ? [
          '',
          "As the API process measured them (one process's /metrics, from its request hook to the response: no " +
            "load generator, no time before the request was parsed; bucket bounds, so 'p99 250' means ≤ 250 ms):",
          '',
          '| step | requests | p50 ms ≤ | p99 ms ≤ |',
          '|---|---:|---:|---:|',
          ...(['map', 'hold', 'pay'] as const).map(
            (k) =>
              `| ${k === 'map' ? 'seat map' : k} | ${r.server!.steps[k].n} | ${r.server!.steps[k].p50} | ${r.server!.steps[k].p99} |`,
          ),
          `| (a query waiting for a pooled connection) | ${r.server.poolWait.n} | ${r.server.poolWait.p50} | ${r.server.poolWait.p99} |`,
          '',
          `Holds refused from the process's memory, without the database: ${r.server.fromMemory.n} (of which ` +
            `${r.server.fromMemory.waited} after waiting for another hold of the process for the seat).`,
        ]
      : []),
    '',
    '| on-sale metric | value | goal |',
    '|---|---|---|',
    `| seats sold (database) | ${r.soldSeats} / ${r.capacity} | all |`,
    `| time until sold out | ${r.soldOutSeconds === undefined ? 'not sold out' : `${r.soldOutSeconds.toFixed(1)} s`} (all customers done in ${r.saleSeconds.toFixed(1)} s) | |`,
    `| double sales (client receipts / database) | ${r.doubleSalesClient} / ${r.doubleSalesDb} | 0 |`,
    `| sold seats without exactly one sold ticket | ${r.inconsistentSeats} | 0 |`,
    `| confirmed bookings / succeeded payments | ${r.confirmedBookings} / ${r.succeededPayments} | equal |`,
    `| answers other than 2xx/304/409, errors | ${r.unexpected} | 0 |`,
    `| hold → subscriber delay p50 / p99 / max | ${ms(r.delay.p50)} / ${ms(r.delay.p99)} / ${ms(r.delay.max)} ms (${r.delay.n} sightings on ${r.delaySamples} sampled streams; ${r.delayNegative} arrived before the 201; ${r.delayMissed} never seen) | p99 < 1000 ms |`,
    `| streams dropped by the server during the sale | ${r.streamsDropped} | 0 |`,
    `| API RSS (largest process) after streams opened / peak during sale / VmHWM | ${r.rssAfterStreamsMiB?.toFixed(0) ?? '?'} / ${r.rssPeakMiB?.toFixed(0) ?? '?'} / ${r.rssHwmMiB?.toFixed(0) ?? '?'} MiB | < 250 MB |`,
    `| load generator event-loop delay p99 / max | ${ms(r.loadgenLagP99)} / ${ms(r.loadgenLagMax)} ms | (measurement noise) |`,
    `| customer outcomes | ${formatCounts(r.outcomes)} | |`,
  ];
  if (r.streamFailures.size) lines.push('', `Stream failures: ${formatCounts(r.streamFailures)}`);
  if (r.unexpectedSamples.length) lines.push('', 'Unexpected answers (first few):', ...r.unexpectedSamples);
  console.log(lines.join('\n'));
}
