import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { Op } from './workload.js';

/**
 * The checker: what must hold of the database and the gateway's ledger after any history, and what the
 * history itself must not contain. Every finding names the ids that break it.
 */

export interface Limits {
  holdMaxLifetimeSeconds: number;
  paymentTimeoutMs: number;
}

export interface Finding {
  invariant: string;
  count: number;
  /** A few offending rows, for the failure message. */
  examples: unknown[];
}

async function rows<T extends object>(db: pg.Pool, text: string, values: unknown[] = []): Promise<T[]> {
  return (await db.query<T>(text, values)).rows;
}

/** Outstanding work the system still owes: the audit waits until there is none (or gives up and says so). */
export async function outstanding(
  db: pg.Pool,
): Promise<{ payments: unknown[]; refunds: unknown[]; holds: unknown[] }> {
  const [payments, refunds, holds] = await Promise.all([
    rows(
      db,
      `SELECT id, booking_id, status, updated_at FROM payments WHERE status IN ('pending', 'unknown')`,
    ),
    rows(db, `SELECT id, booking_id, status, refund_reason FROM payments WHERE status = 'refund_pending'`),
    rows(
      db,
      `SELECT id, created_at, expires_at FROM bookings WHERE status = 'pending' AND expires_at > now()`,
    ),
  ]);
  return { payments, refunds, holds };
}

/**
 * Waits until no payment is pending or unknown, no refund intent is open and no hold is live, twice in a row,
 * but at least `minMs` (late charges of the slow card land, settlement windows pass, sweeps run).
 */
export async function waitForSettlement(
  db: pg.Pool,
  opts: { minMs: number; maxMs: number },
): Promise<{ settled: boolean; waitedMs: number; left: Awaited<ReturnType<typeof outstanding>> }> {
  const t0 = Date.now();
  let quiet = 0;
  let left = await outstanding(db);
  while (Date.now() - t0 < opts.maxMs) {
    await sleep(1000);
    try {
      left = await outstanding(db);
    } catch {
      quiet = 0;
      continue;
    }
    const empty = left.payments.length + left.refunds.length + left.holds.length === 0;
    quiet = empty ? quiet + 1 : 0;
    if (quiet >= 2 && Date.now() - t0 >= opts.minMs)
      return { settled: true, waitedMs: Date.now() - t0, left };
  }
  return { settled: false, waitedMs: Date.now() - t0, left };
}

/** Seats claimed by more than one live booking (pending and unexpired, or confirmed), right now. */
export const DOUBLE_SEAT_SQL = `
  SELECT t.showtime_id, t.seat_id, array_agg(b.id || ':' || b.status || ':' || t.status ORDER BY b.id) AS claims
    FROM tickets t JOIN bookings b ON b.id = t.booking_id
   WHERE t.status IN ('held', 'sold')
     AND (b.status = 'confirmed' OR (b.status = 'pending' AND b.expires_at > now()))
   GROUP BY t.showtime_id, t.seat_id
  HAVING count(DISTINCT b.id) > 1`;

/** Holds that still keep their seats although they are older than their maximum lifetime (plus a payment's time). */
export const OVERAGE_HOLD_SQL = `
  SELECT id, created_at, expires_at, extract(epoch FROM now() - created_at)::float AS age_seconds
    FROM bookings
   WHERE status = 'pending' AND expires_at > now() AND created_at < now() - make_interval(secs => $1)`;

export async function auditDatabase(
  db: pg.Pool,
  limits: Limits,
  unsettledPaymentIds: Set<string>,
): Promise<{ findings: Finding[]; stats: Record<string, number | Record<string, number>> }> {
  const findings: Finding[] = [];
  const add = (invariant: string, offending: unknown[]) => {
    if (offending.length > 0)
      findings.push({ invariant, count: offending.length, examples: offending.slice(0, 8) });
  };
  const graceSeconds = limits.holdMaxLifetimeSeconds + limits.paymentTimeoutMs / 1000 + 1;

  // (a) one seat, one live booking; and the inventory says the same as the tickets.
  add('(a) no seat in two live bookings', await rows(db, DOUBLE_SEAT_SQL));
  add(
    '(a) every ticket of a confirmed booking is sold',
    await rows(
      db,
      `SELECT b.id AS booking_id, t.id AS ticket_id, t.status AS ticket_status
         FROM bookings b JOIN tickets t ON t.booking_id = b.id
        WHERE b.status = 'confirmed' AND t.status <> 'sold'`,
    ),
  );
  add(
    '(a) seat_inventory gives every sold ticket of a confirmed booking to that booking',
    await rows(
      db,
      `SELECT b.id AS booking_id, t.id AS ticket_id, si.status AS inventory_status, si.booking_id AS inventory_booking
         FROM tickets t
         JOIN bookings b ON b.id = t.booking_id
         JOIN seat_inventory si ON si.showtime_id = t.showtime_id AND si.seat_id = t.seat_id
        WHERE b.status = 'confirmed' AND t.status = 'sold'
          AND (si.status <> 'sold' OR si.booking_id IS DISTINCT FROM b.id)`,
    ),
  );
  add(
    '(a) a sold seat in seat_inventory belongs to a confirmed booking',
    await rows(
      db,
      `SELECT si.showtime_id, si.seat_id, si.booking_id, b.status AS booking_status
         FROM seat_inventory si LEFT JOIN bookings b ON b.id = si.booking_id
        WHERE si.status = 'sold' AND b.status IS DISTINCT FROM 'confirmed'`,
    ),
  );
  add(
    '(a) no sold ticket on a booking that is not confirmed',
    await rows(
      db,
      `SELECT b.id AS booking_id, b.status AS booking_status, t.id AS ticket_id
         FROM tickets t JOIN bookings b ON b.id = t.booking_id
        WHERE t.status = 'sold' AND b.status <> 'confirmed'`,
    ),
  );

  // (b), (c): charges that are kept (succeeded and not fully refunded), with the booking they paid for.
  const kept = await rows<{
    charge_id: string;
    gateway_key: string;
    amount_cents: number;
    refunded_cents: number;
    payment_id: string | null;
    payment_status: string | null;
    decline_reason: string | null;
    refund_id: string | null;
    booking_id: string | null;
    booking_status: string | null;
  }>(
    db,
    `SELECT c.id AS charge_id, c.idempotency_key AS gateway_key, c.amount_cents, c.refunded_cents,
            p.id AS payment_id, p.status AS payment_status, p.decline_reason, p.refund_id,
            b.id AS booking_id, b.status AS booking_status, c.created_at AS charged_at, p.updated_at AS payment_updated_at
       FROM sim_gateway.charges c
       LEFT JOIN payments p ON p.gateway_key = c.idempotency_key
       LEFT JOIN bookings b ON b.id = p.booking_id
      WHERE c.status = 'succeeded' AND c.refunded_cents < c.amount_cents`,
  );
  // A refund the system has recorded it owes but not finished is not a kept charge: it is reported as unsettled.
  const inFlight = (k: (typeof kept)[number]) =>
    k.payment_id !== null && unsettledPaymentIds.has(k.payment_id);
  const keptNow = kept.filter((k) => !inFlight(k));
  add(
    '(settlement) a charge Matinee still owes a refund for, after the settlement wait',
    kept.filter(inFlight),
  );
  const perBooking = new Map<string, typeof kept>();
  for (const k of keptNow) {
    if (!k.booking_id) continue;
    perBooking.set(k.booking_id, [...(perBooking.get(k.booking_id) ?? []), k]);
  }
  add(
    '(b) at most one kept charge per booking',
    [...perBooking.entries()]
      .filter(([, ks]) => ks.length > 1)
      .map(([bookingId, ks]) => ({
        bookingId,
        bookingStatus: ks[0]!.booking_status,
        charges: ks.map(
          (k) =>
            `${k.charge_id} (payment ${k.payment_id} ${k.payment_status} ${k.decline_reason ?? ''}, refund_id ${k.refund_id})`,
        ),
      })),
  );
  add(
    '(c) every kept charge belongs to a payment Matinee knows',
    keptNow.filter((k) => !k.payment_id),
  );
  add(
    '(c) every kept charge belongs to a confirmed booking',
    keptNow.filter((k) => k.payment_id && k.booking_status !== 'confirmed'),
  );
  add(
    '(c) every confirmed booking is paid by a kept charge',
    await rows(
      db,
      `SELECT b.id AS booking_id, b.confirmed_at FROM bookings b
        WHERE b.status = 'confirmed'
          AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.booking_id = b.id AND p.id = ANY($1::uuid[]))
          AND NOT EXISTS (SELECT 1 FROM payments p JOIN sim_gateway.charges c ON c.idempotency_key = p.gateway_key
                           WHERE p.booking_id = b.id AND c.status = 'succeeded' AND c.refunded_cents < c.amount_cents)`,
      [[...unsettledPaymentIds]],
    ),
  );

  // (d) refunds: the charge that paid a refunded booking is refunded in full, by exactly one refund.
  add(
    '(d) every refunded booking has its charge refunded once, in full',
    await rows(
      db,
      `SELECT b.id AS booking_id, p.id AS payment_id, p.status AS payment_status, c.id AS charge_id,
              c.amount_cents, c.refunded_cents,
              (SELECT count(*)::int FROM sim_gateway.refunds r WHERE r.charge_id = c.id) AS refunds
         FROM bookings b
         LEFT JOIN payments p ON p.booking_id = b.id AND p.status IN ('succeeded', 'refunded')
         LEFT JOIN sim_gateway.charges c ON c.idempotency_key = p.gateway_key
        WHERE b.status = 'refunded'
          AND (c.id IS NULL OR c.refunded_cents <> c.amount_cents
               OR (SELECT count(*) FROM sim_gateway.refunds r WHERE r.charge_id = c.id) <> 1)`,
    ),
  );
  add(
    '(d) no charge is refunded more than once',
    await rows(
      db,
      `SELECT charge_id, count(*)::int AS refunds, sum(amount_cents)::int AS refunded
         FROM sim_gateway.refunds GROUP BY charge_id HAVING count(*) > 1`,
    ),
  );

  // (e) a hold never outlives its maximum lifetime (a payment already in flight may finish within its timeout).
  add(
    '(e) no hold alive past its maximum lifetime (at the audit)',
    await rows(db, OVERAGE_HOLD_SQL, [graceSeconds]),
  );
  add(
    '(e) no hold extended past created_at + max lifetime + payment timeout',
    await rows(
      db,
      `SELECT id, status, created_at, expires_at, extract(epoch FROM expires_at - created_at)::float AS lifetime_seconds
         FROM bookings WHERE expires_at > created_at + make_interval(secs => $1)
        ORDER BY expires_at - created_at DESC`,
      [graceSeconds],
    ),
  );
  add(
    '(e) no confirmation later than created_at + max lifetime + payment timeout',
    await rows(
      db,
      `SELECT id, created_at, confirmed_at, extract(epoch FROM confirmed_at - created_at)::float AS seconds_to_confirm
         FROM bookings WHERE confirmed_at > created_at + make_interval(secs => $1)
        ORDER BY confirmed_at - created_at DESC`,
      [graceSeconds + 1],
    ),
  );

  // (f) admission is final: an admitted ticket's booking stays confirmed.
  add(
    '(f) no admitted ticket on a refunded (or otherwise unconfirmed) booking',
    await rows(
      db,
      `SELECT t.id AS ticket_id, t.status AS ticket_status, t.admitted_at, b.id AS booking_id, b.status AS booking_status
         FROM tickets t JOIN bookings b ON b.id = t.booking_id
        WHERE t.admitted_at IS NOT NULL AND (b.status <> 'confirmed' OR t.status <> 'sold')`,
    ),
  );

  const [bookings, payments, charges, refunds] = await Promise.all([
    rows<{ status: string; n: number }>(
      db,
      `SELECT status, count(*)::int AS n FROM bookings GROUP BY status`,
    ),
    rows<{ status: string; n: number }>(
      db,
      `SELECT status, count(*)::int AS n FROM payments GROUP BY status`,
    ),
    rows<{ status: string; n: number }>(
      db,
      `SELECT status, count(*)::int AS n FROM sim_gateway.charges GROUP BY status`,
    ),
    rows<{ n: number }>(db, `SELECT count(*)::int AS n FROM sim_gateway.refunds`),
  ]);
  const byStatus = (rs: { status: string; n: number }[]) =>
    Object.fromEntries(rs.map((r) => [r.status, r.n]));
  return {
    findings,
    stats: {
      bookings: byStatus(bookings),
      payments: byStatus(payments),
      charges: byStatus(charges),
      refunds: refunds[0]?.n ?? 0,
      keptCharges: keptNow.length,
      unsettledKeptCharges: kept.length - keptNow.length,
      admittedTickets:
        (
          await rows<{ n: number }>(
            db,
            `SELECT count(*)::int AS n FROM tickets WHERE admitted_at IS NOT NULL`,
          )
        )[0]?.n ?? 0,
    },
  };
}

const TRANSIENT = new Set([
  'SEATS_UNAVAILABLE',
  'PAYMENT_IN_PROGRESS',
  'TOO_MANY_HOLDS',
  'IDEMPOTENCY_REQUEST_IN_PROGRESS',
]);

/** What the clients were told must be true of the database (g), and what the history must not contain. */
export async function auditHistory(db: pg.Pool, history: Op[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  const add = (invariant: string, offending: unknown[]) => {
    if (offending.length > 0)
      findings.push({ invariant, count: offending.length, examples: offending.slice(0, 8) });
  };
  const brief = (o: Op) => ({
    op: o.id,
    kind: o.kind,
    api: o.api,
    at: `${(o.start / 1000).toFixed(1)}s`,
    status: o.status,
    code: o.code,
    bookingId: o.bookingId,
    ...(o.anomaly ? { anomaly: o.anomaly.slice(0, 300) } : {}),
  });

  add('no harness errors', history.filter((o) => o.anomaly?.startsWith('harness error')).map(brief));
  add(
    'no 500 answers',
    history.filter((o) => typeof o.status === 'number' && o.status >= 500 && o.status !== 503).map(brief),
  );
  add(
    'an Idempotency-Key never answers two different holds',
    history.filter((o) => o.anomaly?.startsWith('hold key')).map(brief),
  );
  add(
    'a transient conflict is not stored and replayed under its Idempotency-Key',
    history.filter((o) => o.replayed && o.status === 409 && o.code && TRANSIENT.has(o.code)).map(brief),
  );
  add(
    'a refund of an admitted booking is refused',
    history
      .filter((o) => o.kind === 'refund-admitted' && o.status === 200 && o.bookingStatus === 'refunded')
      .map(brief),
  );

  // (g) acknowledged operations are in the database.
  const ids = [...new Set(history.map((o) => o.bookingId).filter((x): x is string => !!x))];
  const bookings = new Map(
    (
      await rows<{ id: string; status: string; seat_ids: string[] | null }>(
        db,
        `SELECT b.id, b.status, array_agg(t.seat_id::text) FILTER (WHERE t.id IS NOT NULL) AS seat_ids
           FROM bookings b LEFT JOIN tickets t ON t.booking_id = b.id
          WHERE b.id = ANY($1::uuid[]) GROUP BY b.id`,
        [ids],
      )
    ).map((b) => [b.id, b]),
  );
  const refundAsked = new Set(history.filter((o) => o.kind.startsWith('refund')).map((o) => o.bookingId));
  const lostHolds = history
    .filter((o) => (o.kind === 'hold' || o.kind === 'hold-replay') && o.status === 201 && o.bookingId)
    .filter((o) => {
      const b = bookings.get(o.bookingId!);
      const seats = [...(b?.seat_ids ?? [])].sort().join();
      return !b || seats !== [...(o.seatIds ?? [])].sort().join();
    });
  add('(g) every acknowledged hold exists with the seats it was given', lostHolds.map(brief));
  const paid = history.filter(
    (o) => o.kind.startsWith('pay') && o.status === 200 && o.bookingStatus === 'confirmed',
  );
  const paidIds = [...new Set(paid.map((o) => o.paymentId).filter((x): x is string => !!x))];
  const payments = new Map(
    (
      await rows<{ id: string; status: string; booking_id: string }>(
        db,
        `SELECT id, status, booking_id FROM payments WHERE id = ANY($1::uuid[])`,
        [paidIds],
      )
    ).map((p) => [p.id, p]),
  );
  add(
    '(g) every acknowledged payment confirmed its booking (still confirmed, or refunded on request)',
    paid
      .filter((o) => {
        const b = bookings.get(o.bookingId!);
        const p = o.paymentId ? payments.get(o.paymentId) : undefined;
        const bookingOk =
          b?.status === 'confirmed' || (b?.status === 'refunded' && refundAsked.has(o.bookingId));
        const paymentOk =
          !!p && p.booking_id === o.bookingId && (p.status === 'succeeded' || p.status === 'refunded');
        return !bookingOk || !paymentOk;
      })
      .map((o) => ({
        ...brief(o),
        now: bookings.get(o.bookingId!)?.status,
        payment: payments.get(o.paymentId ?? '')?.status,
      })),
  );
  add(
    '(g) every acknowledged refund is recorded',
    history
      .filter((o) => o.kind.startsWith('refund') && o.status === 200 && o.bookingStatus === 'refunded')
      .filter((o) => bookings.get(o.bookingId!)?.status !== 'refunded')
      .map((o) => ({ ...brief(o), now: bookings.get(o.bookingId!)?.status })),
  );
  add(
    '(g) every acknowledged cancel is recorded',
    history
      .filter((o) => o.kind === 'cancel' && o.status === 200 && o.bookingStatus === 'cancelled')
      .filter((o) => bookings.get(o.bookingId!)?.status !== 'cancelled')
      .map((o) => ({ ...brief(o), now: bookings.get(o.bookingId!)?.status })),
  );
  const admittedIds = history.filter((o) => o.kind === 'checkin' && o.status === 200).map((o) => o.ticketId!);
  const admitted = new Set(
    (
      await rows<{ id: string }>(
        db,
        `SELECT id FROM tickets WHERE id = ANY($1::uuid[]) AND admitted_at IS NOT NULL`,
        [admittedIds],
      )
    ).map((t) => t.id),
  );
  add(
    '(g) every acknowledged check-in is recorded',
    history.filter((o) => o.kind === 'checkin' && o.status === 200 && !admitted.has(o.ticketId!)).map(brief),
  );
  return findings;
}

/** Counts by kind and outcome ("201", "409 SEATS_UNAVAILABLE", "neterr"), for the log. */
export function operationCounts(history: Op[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const o of history) {
    const outcome = `${o.status}${o.code ? ` ${o.code}` : ''}${o.replayed ? ' (replayed)' : ''}`;
    const byKind = (out[o.kind] ??= {});
    byKind[outcome] = (byKind[outcome] ?? 0) + 1;
  }
  return out;
}

/** Payment requests by card and outcome. */
export function paymentCounts(history: Op[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const o of history) {
    if (!o.kind.startsWith('pay') || !o.card) continue;
    const outcome = `${o.status}${o.code ? ` ${o.code}` : ''}${o.bookingStatus ? ` ${o.bookingStatus}` : ''}`;
    const byCard = (out[o.card] ??= {});
    byCard[outcome] = (byCard[outcome] ?? 0) + 1;
  }
  return out;
}
