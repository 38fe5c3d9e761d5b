import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type pg from 'pg';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import { NotFoundError } from './errors.js';
import { isLoopback } from './loopback.js';

interface DurationSeries {
  labels: { method: string; route: string; status: string };
  /** Observations per bucket, not cumulative; the last one is above every bound. */
  counts: number[];
  sum: number;
  count: number;
}

/**
 * matinee_http_request_duration_seconds, the same histogram prom-client's `Histogram` exposes, counted without
 * its per-call label object, validation and hashing: every request passes here (a seat map costs ~0.1 ms in
 * all, and prom-client's observe was 3-4% of it). Series are found by route, method and status in nested maps.
 */
export class RequestDurations {
  readonly name = 'matinee_http_request_duration_seconds';
  readonly help = 'HTTP requests by method, route pattern and status';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly bounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
  private series = new Map<string, Map<string, Map<number, DurationSeries>>>();

  observe(method: string, route: string, status: number, seconds: number): void {
    let byMethod = this.series.get(route);
    if (!byMethod) this.series.set(route, (byMethod = new Map<string, Map<number, DurationSeries>>()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map<number, DurationSeries>()));
    let s = byStatus.get(status);
    if (!s) {
      s = {
        labels: { method, route, status: String(status) },
        counts: new Array<number>(this.bounds.length + 1).fill(0),
        sum: 0,
        count: 0,
      };
      byStatus.set(status, s);
    }
    let i = 0;
    while (i < this.bounds.length && seconds > this.bounds[i]!) i++;
    s.counts[i]! += 1;
    s.sum += seconds;
    s.count += 1;
  }

  /** In prom-client's shape (as `Histogram.get()`), for the registry's text and JSON output. */
  get(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: Array<{ value: number; labels: Record<string, string | number>; metricName: string }>;
  }> {
    const values: Array<{ value: number; labels: Record<string, string | number>; metricName: string }> = [];
    const bucket = `${this.name}_bucket`;
    for (const byMethod of this.series.values())
      for (const byStatus of byMethod.values())
        for (const s of byStatus.values()) {
          let acc = 0;
          this.bounds.forEach((le, i) => {
            acc += s.counts[i]!;
            values.push({ value: acc, labels: { le, ...s.labels }, metricName: bucket });
          });
          values.push({ value: s.count, labels: { le: '+Inf', ...s.labels }, metricName: bucket });
          values.push({ value: s.sum, labels: s.labels, metricName: `${this.name}_sum` });
          values.push({ value: s.count, labels: s.labels, metricName: `${this.name}_count` });
        }
    const { name, help, type, aggregator } = this;
    return Promise.resolve({ name, help, type, aggregator, values });
  }

  reset(): void {
    this.series = new Map();
  }
}

/** Prometheus metrics of one process: its own registry, so several apps in one test process do not collide. */
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration = new RequestDurations();
  readonly payments = new Counter({
    name: 'matinee_payment_attempts_total',
    help: 'Payment attempts by outcome: succeeded, declined, failed, unavailable (gateway timeout or down)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly holdsRefusedFromMemory = new Counter({
    name: 'matinee_holds_refused_from_memory_total',
    help: 'Holds answered 409 SEATS_UNAVAILABLE from what this process knew (HOLD_REFUSE_FROM_MEMORY_MS), without the database; waited: after another hold of this process for the seat finished',
    labelNames: ['waited'] as const,
    registers: [this.registry],
  });
  readonly sweepFailures = new Counter({
    name: 'matinee_sweep_failures_total',
    help: 'Items the hold/payment sweep could not finish (retried on the next sweep)',
    registers: [this.registry],
  });

  readonly shed = new Counter({
    name: 'matinee_requests_shed_total',
    help: 'Requests answered 503 OVERLOADED instead of being served, by reason (eventLoopDelay, healthCheck = database pool queue)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly poolWait = new Histogram({
    name: 'matinee_db_pool_wait_seconds',
    help: "Time a query waited for a connection from the app's database pool",
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly redisUp = new Gauge({
    name: 'matinee_redis_up',
    help: '1 while Redis (REDIS_URL) answers and rate limits are shared by all processes; 0 while each counts alone',
    registers: [this.registry],
  });
  readonly redisFallbacks = new Counter({
    name: 'matinee_redis_fallbacks_total',
    help: 'Rate-limit checks counted in this process because a Redis command failed',
    registers: [this.registry],
  });
  readonly waitingRoomQueue = new Gauge({
    name: 'matinee_waiting_room_customers',
    help: "A high-demand showtime's waiting room as this process last read it: waiting (queue and pre-queue), active (admitted), idle (admitted, no hold since)",
    labelNames: ['showtime', 'state'] as const,
    registers: [this.registry],
  });
  readonly waitingRoomRate = new Gauge({
    name: 'matinee_waiting_room_admitted_per_minute',
    help: 'Admissions per minute over the last 5 minutes, as this process last read it',
    labelNames: ['showtime'] as const,
    registers: [this.registry],
  });
  readonly waitingRoomAdmitted = new Counter({
    name: 'matinee_waiting_room_admitted_total',
    help: 'Customers admitted by the admission tick this process ran (sum over processes)',
    labelNames: ['showtime'] as const,
    registers: [this.registry],
  });
  private readonly pools = new Map<pg.Pool, { readonly waiting: number }>();

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    // The registry only reads name, help, type, aggregator and get() (and reset()) of what it exposes.
    this.registry.registerMetric(this.httpDuration as unknown as Metric);
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    const pools = this.pools;
    new Gauge({
      name: 'matinee_db_pool_connections',
      help: "The app's database pool: connections open (total), idle, and requests waiting for one (waiting)",
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        let total = 0;
        let idle = 0;
        let waiting = 0;
        for (const [pool, gate] of pools) {
          total += pool.totalCount;
          idle += pool.idleCount;
          waiting += pool.waitingCount + gate.waiting;
        }
        this.set({ state: 'total' }, total);
        this.set({ state: 'idle' }, idle);
        this.set({ state: 'waiting' }, waiting);
      },
    });
  }

  /**
   * Reports the pool's size and queue; the gate in front of it (PoolGate) reports each checkout's wait to
   * `poolWait` and its own queue here.
   */
  watchPool(pool: pg.Pool, gate: { readonly waiting: number }): void {
    this.pools.set(pool, gate);
  }
}

function tokenMatches(req: FastifyRequest, token: string): boolean {
  const given = Buffer.from(req.headers.authorization ?? '');
  const wanted = Buffer.from(`Bearer ${token}`);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/**
 * Times every request by its route pattern (never the raw URL, so ids do not explode the label set) and serves
 * GET /metrics: to the machine itself, or to anyone presenting METRICS_TOKEN as a bearer token.
 */
export const metricsPlugin = fp(
  (app: FastifyInstance, opts: { metrics: Metrics; token: string | undefined }, done: () => void) => {
    const { metrics, token } = opts;
    app.addHook('onResponse', (req, reply, done) => {
      metrics.httpDuration.observe(
        req.method,
        req.routeOptions.url ?? 'unmatched',
        reply.statusCode,
        reply.elapsedTime / 1000,
      );
      done();
    });
    app.get('/metrics', { schema: { hide: true }, config: { rateLimit: false } }, async (req, reply) => {
      if (!(token ? tokenMatches(req, token) : isLoopback(req)))
        throw new NotFoundError('Route', 'ROUTE_NOT_FOUND');
      return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });
    done();
  },
  { name: 'matinee-metrics' },
);
