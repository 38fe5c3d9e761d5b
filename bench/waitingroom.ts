/**
 * The waiting room: `visitors` customers arrive evenly over `arrivalSeconds` for one high-demand showtime whose
 * queue opens halfway through (so about half are in the pre-queue and shuffled, half queue in turn). Each
 * visitor joins (POST .../queue), watches its place over the queue stream (SSE, as the browser does), and once
 * admitted holds the 2 best seats with its admission token and pays. The run ends when every seat is sold, or at
 * `timeoutSeconds`; then everything still open is closed. Every request has a deadline, the number of requests
 * in flight is bounded (`concurrency`; streams are not requests), and the database is asked what was sold.
 *
 * Reported: time from joining to admission (p50/p99), position accuracy (every estimate a visitor was shown
 * after the opening against the wait it then had: the first one, all of them, and by what the estimate rested
 * on; for visitors never admitted, estimates whose promised time passed before the run ended), how often the
 * "tickets may sell out before your turn" warning was right, seats sold, double sales, 5xx other than shed 503s,
 * and each API process's peak RSS and CPU time.
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import type { Db } from '../src/db/database.js';
import type { BenchShowtime } from './fixtures.js';
import { countInto, formatCounts, memoryOf, request, summarize, type Summary } from './lib.js';

export interface WaitingRoomOptions {
  port: number;
  pids: number[];
  db: Db;
  showtime: BenchShowtime;
  bearers: string[];
  userIds: string[];
  streamToken: (i: number) => Promise<string>;
  visitors: number;
  arrivalSeconds: number;
  admitPerMinute: number;
  maxActive: number;
  concurrency: number;
  timeoutSeconds: number;
}

export interface WaitingRoomResult {
  visitors: number;
  joined: number;
  admitted: number;
  capacity: number;
  soldSeats: number;
  doubleSales: number;
  confirmedBookings: number;
  toAdmission: Summary;
  /** |estimated - actual| wait, seconds, for visitors told an estimate after the opening and later admitted. */
  estimateError: Summary;
  /** actual / estimated wait (× 1000), of the first estimate after the opening of each admitted visitor. */
  estimateRatio: Summary;
  /** actual / estimated (× 1000) of every estimate an admitted visitor was shown, and by its basis. */
  allRatios: Summary;
  ratiosByBasis: Record<string, Summary>;
  /** Visitors never admitted before the run ended, those of them shown an estimate, and how many of those were
   * promised an admission before the end (a broken promise), with the least actual/estimated those imply. */
  neverAdmitted: number;
  neverAdmittedWithEstimate: number;
  brokenPromises: number;
  brokenRatio: Summary;
  /** The sell-out warning on each visitor's last waiting status: [warned, not warned] among visitors who then got
   * seats and among those who did not. */
  warning: { gotSeats: [number, number]; noSeats: [number, number] };
  answers: Map<string | number, number>;
  serverErrors: number;
  shed: number;
  seconds: number;
  soldOutSeconds: number | undefined;
  processes: Array<{ pid: number; peakMiB: number; cpuSeconds: number }>;
  timedOut: boolean;
}

const REFUSED = Symbol('refused');
const CARD = { number: '4242424242424242', expMonth: 12, expYear: 2030, cvc: '123' };

function cpuSecondsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after "pid (comm) ".
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** A counting semaphore: at most `n` requests in flight from the whole load generator. */
function limiter(n: number) {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

interface Status {
  status: string;
  opened: boolean;
  position: number | null;
  estimatedWaitSeconds: number | null;
  estimateBasis: string | null;
  likelySoldOut: boolean;
  admission: { token: string } | null;
}

interface Shown {
  at: number;
  estimate: number;
  basis: string;
}

export async function runWaitingRoom(o: WaitingRoomOptions): Promise<WaitingRoomResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.concurrency });
  const limit = limiter(o.concurrency);
  const answers = new Map<string | number, number>();
  let serverErrors = 0;
  let shed = 0;
  const start = performance.now();
  const deadline = start + o.timeoutSeconds * 1000;
  const cpuAtStart = o.pids.map(cpuSecondsOf);
  const capacity = o.showtime.seats.length;
  let soldOutAt: number | undefined;
  let stop = false;
  const streams = new Set<http.ClientRequest>();
  const finish = () => {
    stop = true;
    for (const s of streams) s.destroy();
    streams.clear();
  };
  const timer = setTimeout(finish, o.timeoutSeconds * 1000);

  await sql`INSERT INTO waiting_rooms (showtime_id, on_sale_at, admit_per_minute, max_active)
            VALUES (${o.showtime.id}, now() + make_interval(secs => ${o.arrivalSeconds / 2}),
                    ${o.admitPerMinute}, ${o.maxActive})`.execute(o.db);

  const call = async (method: string, path: string, bearer: string, body?: unknown) => {
    for (let attempt = 0; ; attempt++) {
      const a = await limit(() =>
        request(agent, o.port, {
          method,
          path: `/api/v1${path}`,
          headers: { authorization: `Bearer ${bearer}` },
          body,
          timeoutMs: 15_000,
        }).catch(() => ({ status: 0, body: '', headers: {}, ms: 0 })),
      );
      countInto(answers, `${method} ${path.split('/').slice(-1)[0]} ${a.status}`);
      if (a.status === 503) shed++;
      else if (a.status >= 500) serverErrors++;
      // Shed or refused connection: back off as Retry-After says (bounded), unless the run is over.
      if ((a.status === 503 || a.status === 0) && attempt < 5 && !stop && performance.now() < deadline) {
        await new Promise((r) => setTimeout(r, 500 + Math.random() * 1500));
        continue;
      }
      return a;
    }
  };

  let joined = 0;
  const toAdmission: number[] = [];
  const errors: number[] = [];
  const ratios: number[] = [];
  const allRatios: number[] = [];
  const byBasis = new Map<string, number[]>();
  /** Per visitor never admitted: the estimates it was shown. */
  const unadmitted: Shown[][] = [];
  const warning = { gotSeats: [0, 0] as [number, number], noSeats: [0, 0] as [number, number] };

  /**
   * Resolves with the admission token; REFUSED when the stream is answered with an HTTP error (EventSource then
   * gives up and the page polls); null when the stream ends first (run over, or it broke: EventSource reconnects).
   */
  const watch = (token: string, onStatus: (s: Status) => void) =>
    new Promise<string | typeof REFUSED | null>((resolve) => {
      if (stop) return resolve(null);
      const req = http.get(
        {
          host: '127.0.0.1',
          port: o.port,
          path: `/api/v1/showtimes/${o.showtime.id}/queue/stream?token=${encodeURIComponent(token)}`,
          agent: false,
        },
        (res) => {
          if (res.statusCode !== 200) {
            countInto(answers, `GET stream ${res.statusCode}`);
            res.resume();
            streams.delete(req);
            return resolve(REFUSED);
          }
          let buf = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buf += chunk;
            let end: number;
            while ((end = buf.indexOf('\n\n')) >= 0) {
              const event = buf.slice(0, end);
              buf = buf.slice(end + 2);
              const data = event.split('\n').find((l) => l.startsWith('data: '));
              if (!event.startsWith('event: status') || !data) continue;
              const s = JSON.parse(data.slice(6)) as Status;
              onStatus(s);
              if (s.status === 'admitted' && s.admission) {
                req.destroy();
                streams.delete(req);
                resolve(s.admission.token);
              }
            }
          });
          res.on('close', () => {
            streams.delete(req);
            resolve(null);
          });
        },
      );
      req.on('error', () => {
        streams.delete(req);
        resolve(null);
      });
      streams.add(req);
    });

  const visitor = async (i: number) => {
    const at = start + (i / o.visitors) * o.arrivalSeconds * 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, at - performance.now())));
    if (stop) return;
    const bearer = o.bearers[i]!;
    const joinedAt = performance.now();
    const j = await call('POST', `/showtimes/${o.showtime.id}/queue`, bearer);
    if (j.status !== 200) return;
    joined++;
    const shown: Shown[] = [];
    let warned = false;
    const note = (s: Status) => {
      if (s.status !== 'waiting') return;
      warned = s.likelySoldOut;
      if (s.opened && s.estimatedWaitSeconds !== null)
        shown.push({
          at: performance.now(),
          estimate: s.estimatedWaitSeconds,
          basis: s.estimateBasis ?? '?',
        });
    };
    const joinedStatus = JSON.parse(j.body) as Status;
    note(joinedStatus);
    let admission = joinedStatus.admission?.token ?? null;
    if (!admission) {
      // As the queue page does: a stream that broke is reconnected after the server's `retry` (3 s); one answered
      // with an HTTP error (shed with 503) makes EventSource give up, and the page polls every 5 s instead.
      const token = await o.streamToken(i);
      let refused = false;
      for (let attempt = 0; !admission && !refused && !stop && attempt < 20; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, 3000));
        const r = await watch(token, note);
        if (r === REFUSED) refused = true;
        else admission = r;
      }
      while (!admission && !stop) {
        await new Promise((r) => setTimeout(r, 5000));
        if (stop) break;
        const a = await call('GET', `/showtimes/${o.showtime.id}/queue`, bearer);
        if (a.status !== 200) continue;
        const s = JSON.parse(a.body) as Status;
        note(s);
        if (s.status === 'admitted' && s.admission) admission = s.admission.token;
        else if (s.status !== 'waiting') break;
      }
    }
    if (!admission) {
      unadmitted.push(shown);
      warning.noSeats[warned ? 0 : 1]++;
      return;
    }
    if (stop) return;
    const now = performance.now();
    toAdmission.push(now - joinedAt);
    const first = shown[0];
    if (first) {
      const actual = (now - first.at) / 1000;
      errors.push(Math.abs(actual - first.estimate) * 1000);
      if (first.estimate > 0) ratios.push(actual / first.estimate);
    }
    for (const e of shown) {
      if (e.estimate <= 0) continue;
      const r = (now - e.at) / 1000 / e.estimate;
      allRatios.push(r);
      const list = byBasis.get(e.basis) ?? [];
      list.push(r);
      byBasis.set(e.basis, list);
    }
    const held = await call('POST', '/bookings', bearer, {
      showtimeId: o.showtime.id,
      count: 2,
      admissionToken: admission,
    });
    let hold = held;
    if (held.status === 409 && held.body.includes('NO_SEATS_TOGETHER')) {
      // Only single seats left: one will do.
      hold = await call('POST', '/bookings', bearer, {
        showtimeId: o.showtime.id,
        count: 1,
        admissionToken: admission,
      });
    }
    if (hold.status === 201) {
      warning.gotSeats[warned ? 0 : 1]++;
      const { booking } = JSON.parse(hold.body) as { booking: { id: string } };
      await call('POST', `/bookings/${booking.id}/payment`, bearer, { card: CARD });
    } else {
      warning.noSeats[warned ? 0 : 1]++;
      // Sold out (or refused): leave, so the place is freed at once.
      await call('DELETE', `/showtimes/${o.showtime.id}/queue`, bearer);
    }
  };

  const soldOut = async () => {
    while (!stop) {
      await new Promise((r) => setTimeout(r, 1000));
      const r = await sql<{ sold: number }>`
        SELECT count(*)::int AS sold FROM seat_inventory WHERE showtime_id = ${o.showtime.id} AND status = 'sold'`.execute(
        o.db,
      );
      if ((r.rows[0]?.sold ?? 0) >= capacity) {
        soldOutAt = performance.now();
        finish();
      }
    }
  };

  const watcher = soldOut();
  await Promise.all(Array.from({ length: o.visitors }, (_, i) => visitor(i)));
  finish();
  clearTimeout(timer);
  await watcher;
  agent.destroy();
  const end = performance.now();

  const db = await sql<{ sold: number; doubles: number; confirmed: number; admitted: number }>`
    SELECT (SELECT count(*)::int FROM seat_inventory WHERE showtime_id = ${o.showtime.id} AND status = 'sold') AS sold,
           (SELECT count(*)::int FROM (SELECT seat_id FROM tickets WHERE showtime_id = ${o.showtime.id}
                                        AND status = 'sold' GROUP BY seat_id HAVING count(*) > 1) d) AS doubles,
           (SELECT count(*)::int FROM bookings WHERE showtime_id = ${o.showtime.id} AND status = 'confirmed') AS confirmed,
           (SELECT count(*)::int FROM waiting_room_entries WHERE showtime_id = ${o.showtime.id}
               AND admitted_at IS NOT NULL) AS admitted`.execute(o.db);
  const row = db.rows[0]!;
  // A visitor never admitted was promised too short a wait when an estimate's time came before the run ended.
  const runEnd = soldOutAt ?? end;
  const broken: number[] = [];
  let brokenPromises = 0;
  for (const shown of unadmitted) {
    const worst = shown
      .filter((e) => e.estimate > 0 && e.at + e.estimate * 1000 < runEnd)
      .map((e) => (runEnd - e.at) / 1000 / e.estimate);
    if (worst.length === 0) continue;
    brokenPromises++;
    broken.push(Math.max(...worst) * 1000);
  }
  return {
    visitors: o.visitors,
    joined,
    admitted: row.admitted,
    capacity,
    soldSeats: row.sold,
    doubleSales: row.doubles,
    confirmedBookings: row.confirmed,
    toAdmission: summarize(toAdmission),
    estimateError: summarize(errors),
    estimateRatio: summarize(ratios.map((r) => r * 1000)),
    allRatios: summarize(allRatios.map((r) => r * 1000)),
    ratiosByBasis: Object.fromEntries(
      [...byBasis].map(([b, list]) => [b, summarize(list.map((r) => r * 1000))]),
    ),
    neverAdmitted: unadmitted.length,
    neverAdmittedWithEstimate: unadmitted.filter((x) => x.length > 0).length,
    brokenPromises,
    brokenRatio: summarize(broken),
    warning,
    answers,
    serverErrors,
    shed,
    seconds: (end - start) / 1000,
    soldOutSeconds: soldOutAt === undefined ? undefined : (soldOutAt - start) / 1000,
    processes: o.pids.map((pid, k) => ({
      pid,
      peakMiB: memoryOf(pid)?.peakMiB ?? NaN,
      cpuSeconds: cpuSecondsOf(pid) - cpuAtStart[k]!,
    })),
    timedOut: soldOutAt === undefined,
  };
}

export function printWaitingRoom(
  r: WaitingRoomResult,
  o: { arrivalSeconds: number; admitPerMinute: number; maxActive: number },
) {
  const s = (x: number) => (x / 1000).toFixed(1);
  const ratio = (x: Summary) => `${(x.p50 / 1000).toFixed(2)} / ${(x.p99 / 1000).toFixed(2)}`;
  const lines = [
    `Waiting room: ${r.visitors} visitors arriving over ${o.arrivalSeconds} s for one ${r.capacity}-seat showtime ` +
      `(queue opens at ${o.arrivalSeconds / 2} s; ${o.admitPerMinute}/min, at most ${o.maxActive} active), ` +
      `${r.processes.length} API processes`,
    '',
    '| measure | value | goal |',
    '|---|---:|---|',
    `| joined / admitted | ${r.joined} / ${r.admitted} | |`,
    `| time to admission p50 / p99 / max (s) | ${s(r.toAdmission.p50)} / ${s(r.toAdmission.p99)} / ${s(r.toAdmission.max)} | |`,
    `| estimate error p50 / p99 (s) | ${s(r.estimateError.p50)} / ${s(r.estimateError.p99)} | |`,
    `| actual / estimated wait, first estimate, p50 / p99 | ${ratio(r.estimateRatio)} | ≈ 1 |`,
    `| actual / estimated wait, every estimate shown (n), p50 / p99 | (${r.allRatios.n}) ${ratio(r.allRatios)} | ≈ 1 |`,
    ...Object.entries(r.ratiosByBasis).map(
      ([basis, sum]) => `| … resting on "${basis}" (n), p50 / p99 | (${sum.n}) ${ratio(sum)} | |`,
    ),
    `| never admitted / shown an estimate / promised a time that passed | ${r.neverAdmitted} / ${r.neverAdmittedWithEstimate} / ${r.brokenPromises} | 0 promises broken |`,
    `| … least actual / estimated of those broken, p50 / max | ${(r.brokenRatio.p50 / 1000).toFixed(2)} / ${(r.brokenRatio.max / 1000).toFixed(2)} | |`,
    `| sell-out warning on the last status: warned / not, of those who got seats | ${r.warning.gotSeats[0]} / ${r.warning.gotSeats[1]} | |`,
    `| … of those who did not (sold out first, or nothing left when admitted) | ${r.warning.noSeats[0]} / ${r.warning.noSeats[1]} | |`,
    `| seats sold | ${r.soldSeats} of ${r.capacity} | all |`,
    `| sold out after (s) | ${r.soldOutSeconds === undefined ? 'not sold out' : r.soldOutSeconds.toFixed(1)} | |`,
    `| double sales | ${r.doubleSales} | 0 |`,
    `| confirmed bookings | ${r.confirmedBookings} | |`,
    `| 5xx other than shed 503 | ${r.serverErrors} | 0 |`,
    `| shed 503 (retried) | ${r.shed} | |`,
    ...r.processes.map(
      (p, i) =>
        `| API process ${i + 1}: peak RSS / CPU | ${p.peakMiB.toFixed(0)} MiB / ${p.cpuSeconds.toFixed(1)} s | |`,
    ),
    `| run (s) | ${r.seconds.toFixed(1)}${r.timedOut ? ' (timed out)' : ''} | |`,
    '',
    `answers: ${formatCounts(r.answers)}`,
    `(${r.toAdmission.n} admissions timed, ${r.estimateError.n} with an estimate after the opening)`,
  ];
  console.log(lines.join('\n'));
}
