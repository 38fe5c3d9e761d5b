import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, WaitingRoomEntryStatus } from '../../db/schema.js';
import { seatIsFree } from '../bookings/seat-rules.js';
import { PRIOR_MIN_SAMPLES, TURNOVER_MEASURE_SECONDS } from './wait-estimate.js';

type Q = Kysely<Database> | Transaction<Database>;

export interface RoomRow {
  showtime_id: string;
  on_sale_at: Date;
  admit_per_minute: number | null;
  max_active: number | null;
  admission_ttl_seconds: number;
  opened_at: Date | null;
  admit_credit: number;
  credit_at: Date | null;
  starts_at: Date;
  theater_id: string;
  db_now: Date;
}

export interface EntryRow {
  id: string;
  showtime_id: string;
  user_id: string;
  position: string | null;
  status: WaitingRoomEntryStatus;
  joined_at: Date;
  admitted_at: Date | null;
  admitted_until: Date | null;
  ended_at: Date | null;
}

/** A room's queue at one moment: what every status answer and stream of this process is computed from. */
export interface RoomCounts {
  /** Positions of everyone waiting after the opening, ascending (numbers: a room never nears 2^53 places). */
  positions: number[];
  /**
   * The room's next number when `positions` was read, in the same statement: every waiting place below it is in
   * `positions`, every place from it on was taken after the read (1 before the opening).
   */
  nextPosition: number;
  preQueue: number;
  active: number;
  idle: number;
  /** Admitted in the last RATE_WINDOW_SECONDS. */
  admittedRecently: number;
  /** Admitted places freed (bought, left, ran out) in the last TURNOVER_MEASURE_SECONDS: the estimate's pace. */
  freedRecently: number;
  /** The showtime's seats now: free, and held (they may be bought or come free again). */
  seatsFree: number;
  seatsHeld: number;
  /** Confirmed purchases of the showtime, and the seats sold: the size of a purchase. */
  purchases: number;
  seatsSold: number;
}

/** The window over which the admission rate is measured for estimates and metrics. */
export const RATE_WINDOW_SECONDS = 300;

/** One advisory lock key for the admission tick of every room: one process runs it at a time. */
const TICK_LOCK = 0x51_75_65_75; // "Queu"

/** Queries only; the rules live in WaitingRoomService. */
export class WaitingRoomRepository {
  async findRoom(db: Q, showtimeId: string, lock = false): Promise<RoomRow | undefined> {
    const r = await sql<RoomRow>`
      SELECT w.showtime_id, w.on_sale_at, w.admit_per_minute, w.max_active, w.admission_ttl_seconds, w.opened_at,
             w.admit_credit, w.credit_at, st.starts_at, au.theater_id, now() AS db_now
        FROM waiting_rooms w JOIN showtimes st ON st.id = w.showtime_id
        JOIN auditoriums au ON au.id = st.auditorium_id
       WHERE w.showtime_id = ${showtimeId}
       ${lock ? sql`FOR UPDATE OF w` : sql``}`.execute(db);
    return r.rows[0];
  }

  async showtimeExists(db: Q, showtimeId: string): Promise<boolean> {
    const r = await db.selectFrom('showtimes').select('id').where('id', '=', showtimeId).executeTakeFirst();
    return r !== undefined;
  }

  async showtimeTheater(
    db: Q,
    showtimeId: string,
  ): Promise<{ theater_id: string; starts_at: Date } | undefined> {
    const r = await sql<{ theater_id: string; starts_at: Date }>`
      SELECT au.theater_id, st.starts_at FROM showtimes st JOIN auditoriums au ON au.id = st.auditorium_id
       WHERE st.id = ${showtimeId} FOR UPDATE OF st`.execute(db);
    return r.rows[0];
  }

  async upsertRoom(
    db: Q,
    room: {
      showtimeId: string;
      onSaleAt: Date;
      admitPerMinute: number | null;
      maxActive: number | null;
      admissionTtlSeconds: number;
    },
  ): Promise<void> {
    await sql`
      INSERT INTO waiting_rooms (showtime_id, on_sale_at, admit_per_minute, max_active, admission_ttl_seconds)
      VALUES (${room.showtimeId}, ${room.onSaleAt}, ${room.admitPerMinute}, ${room.maxActive},
              ${room.admissionTtlSeconds})
      ON CONFLICT (showtime_id) DO UPDATE
         SET on_sale_at = EXCLUDED.on_sale_at, admit_per_minute = EXCLUDED.admit_per_minute,
             max_active = EXCLUDED.max_active, admission_ttl_seconds = EXCLUDED.admission_ttl_seconds,
             updated_at = now()`.execute(db);
  }

  async deleteRoom(db: Q, showtimeId: string): Promise<void> {
    await sql`DELETE FROM waiting_rooms WHERE showtime_id = ${showtimeId}`.execute(db);
  }

  /**
   * One place per account, in one statement. The room row is updated first (its lock orders every join against
   * the opening shuffle, which takes it FOR UPDATE): before the opening a join enters the pre-queue (no
   * position), after it the join takes the room's next number. An account already waiting or admitted keeps its
   * place (nothing returned: the caller reads it); one that left, expired or finished queues again at the back.
   */
  async join(
    db: Q,
    showtimeId: string,
    userId: string,
  ): Promise<{ roomFound: boolean; entry: EntryRow | null }> {
    const r = await sql<{ room_found: boolean; entry: EntryRow | null }>`
      WITH r AS (
        UPDATE waiting_rooms w SET next_position = w.next_position + (w.opened_at IS NOT NULL)::int
         WHERE w.showtime_id = ${showtimeId}
        RETURNING w.opened_at, w.next_position - 1 AS pos
      ), e AS (
        INSERT INTO waiting_room_entries (showtime_id, user_id, position)
        SELECT ${showtimeId}, ${userId}, CASE WHEN r.opened_at IS NULL THEN NULL ELSE r.pos END FROM r
        ON CONFLICT (showtime_id, user_id) DO UPDATE
           SET status = 'waiting', position = EXCLUDED.position, joined_at = now(), admitted_at = NULL,
               admitted_until = NULL, ended_at = NULL
         WHERE waiting_room_entries.status IN ('left', 'expired', 'done')
        RETURNING *
      )
      SELECT EXISTS (SELECT 1 FROM r) AS room_found, (SELECT row_to_json(e) FROM e) AS entry`.execute(db);
    const row = r.rows[0]!;
    return { roomFound: row.room_found, entry: row.entry ? dated(row.entry) : null };
  }

  /**
   * Waiting places numbered in [from, to): those who took a number after a snapshot whose next number was `from`
   * and before `to` (a range of the queue index, a second's joins at most).
   */
  async waitingBetween(db: Q, showtimeId: string, from: number, to: number): Promise<number> {
    const r = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM waiting_room_entries
       WHERE showtime_id = ${showtimeId} AND status = 'waiting' AND position >= ${from} AND position < ${to}`.execute(
      db,
    );
    return r.rows[0]?.n ?? 0;
  }

  /** Several accounts' places in one room, in one query (queue streams after the opening). */
  async findEntries(db: Q, showtimeId: string, userIds: string[]): Promise<EntryRow[]> {
    if (userIds.length === 0) return [];
    return db
      .selectFrom('waiting_room_entries')
      .selectAll()
      .where('showtime_id', '=', showtimeId)
      .where('user_id', '=', sql<string>`ANY(${userIds}::uuid[])`)
      .execute();
  }

  async findEntry(db: Q, showtimeId: string, userId: string): Promise<EntryRow | undefined> {
    return db
      .selectFrom('waiting_room_entries')
      .selectAll()
      .where('showtime_id', '=', showtimeId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
  }

  /** Leaving frees an admitted place at once; a finished or expired place stays as it is. */
  async leave(db: Q, showtimeId: string, userId: string): Promise<boolean> {
    const r = await db
      .updateTable('waiting_room_entries')
      .set({ status: 'left', ended_at: sql<Date>`now()` })
      .where('showtime_id', '=', showtimeId)
      .where('user_id', '=', userId)
      .where('status', 'in', ['waiting', 'admitted'])
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async counts(db: Q, showtimeId: string): Promise<RoomCounts> {
    const r = await sql<{
      positions: string[] | null;
      next_position: string | null;
      pre_queue: number;
      active: number;
      idle: number;
      admitted_recently: number;
      freed_recently: number;
      seats_free: number;
      seats_held: number;
      seats_sold: number;
      purchases: number;
    }>`
      SELECT (SELECT array_agg(e.position ORDER BY e.position) FROM waiting_room_entries e
               WHERE e.showtime_id = ${showtimeId} AND e.status = 'waiting' AND e.position IS NOT NULL) AS positions,
             -- Same statement, same snapshot: a visible room row's number implies every place below it is visible.
             (SELECT w.next_position FROM waiting_rooms w WHERE w.showtime_id = ${showtimeId}) AS next_position,
             (SELECT count(*) FROM waiting_room_entries e
               WHERE e.showtime_id = ${showtimeId} AND e.status = 'waiting' AND e.position IS NULL)::int AS pre_queue,
             (SELECT count(*) FROM waiting_room_entries e
               WHERE e.showtime_id = ${showtimeId} AND e.status = 'admitted')::int AS active,
             -- Admitted but idle: no hold or purchase since the admission.
             (SELECT count(*) FROM waiting_room_entries e
               WHERE e.showtime_id = ${showtimeId} AND e.status = 'admitted'
                 AND NOT EXISTS (SELECT 1 FROM bookings b
                                  WHERE b.user_id = e.user_id AND b.showtime_id = e.showtime_id
                                    AND b.created_at >= e.admitted_at))::int AS idle,
             (SELECT count(*) FROM waiting_room_entries e
               WHERE e.showtime_id = ${showtimeId}
                 AND e.admitted_at > now() - make_interval(secs => ${RATE_WINDOW_SECONDS}))::int AS admitted_recently,
             (SELECT count(*) FROM waiting_room_entries e
               WHERE e.showtime_id = ${showtimeId} AND e.admitted_at IS NOT NULL
                 AND e.ended_at > now() - make_interval(secs => ${TURNOVER_MEASURE_SECONDS}))::int AS freed_recently,
             s.seats_free, s.seats_held, s.seats_sold,
             (SELECT count(*) FROM bookings b
               WHERE b.showtime_id = ${showtimeId} AND b.status = 'confirmed')::int AS purchases
        FROM (SELECT (count(*) FILTER (WHERE ${seatIsFree('i')}))::int AS seats_free,
                     (count(*) FILTER (WHERE i.status = 'held' AND NOT ${seatIsFree('i')}))::int AS seats_held,
                     (count(*) FILTER (WHERE i.status = 'sold'))::int AS seats_sold
                FROM seat_inventory i WHERE i.showtime_id = ${showtimeId}) s`.execute(db);
    const row = r.rows[0]!;
    return {
      positions: (row.positions ?? []).map(Number),
      nextPosition: Number(row.next_position ?? 1),
      preQueue: row.pre_queue,
      active: row.active,
      idle: row.idle,
      admittedRecently: row.admitted_recently,
      freedRecently: row.freed_recently,
      seatsFree: row.seats_free,
      seatsHeld: row.seats_held,
      purchases: row.purchases,
      seatsSold: row.seats_sold,
    };
  }

  /**
   * How long an admitted customer kept their place (admission to freeing it: bought, left or ran out), median
   * seconds over the last 1,000 finished admissions of other rooms; null with fewer than PRIOR_MIN_SAMPLES.
   */
  async typicalAdmissionSeconds(db: Q, exceptShowtimeId: string): Promise<number | null> {
    const r = await sql<{ median: number | null; n: number }>`
      SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS median, count(*)::int AS n
        FROM (SELECT extract(epoch FROM e.ended_at - e.admitted_at)::float8 AS seconds
                FROM waiting_room_entries e
               WHERE e.admitted_at IS NOT NULL AND e.ended_at IS NOT NULL AND e.showtime_id <> ${exceptShowtimeId}
               ORDER BY e.ended_at DESC LIMIT 1000) recent`.execute(db);
    const row = r.rows[0];
    return row && row.n >= PRIOR_MIN_SAMPLES && row.median !== null ? Number(row.median) : null;
  }

  // ---- the admission tick (WaitingRoomService.tick), inside one transaction ----

  async tryTickLock(trx: Transaction<Database>): Promise<boolean> {
    const r = await sql<{ got: boolean }>`SELECT pg_try_advisory_xact_lock(${TICK_LOCK}) AS got`.execute(trx);
    return r.rows[0]?.got === true;
  }

  async anyRoomDue(db: Q): Promise<boolean> {
    const r = await sql<{ due: boolean }>`
      SELECT EXISTS (SELECT 1 FROM waiting_rooms w JOIN showtimes st ON st.id = w.showtime_id
                      WHERE w.on_sale_at <= now() AND st.starts_at > now()) AS due`.execute(db);
    return r.rows[0]?.due === true;
  }

  /** Rooms on sale whose showtime has not started, locked: joins wait for this tick. */
  async lockDueRooms(trx: Transaction<Database>): Promise<RoomRow[]> {
    const r = await sql<RoomRow>`
      SELECT w.showtime_id, w.on_sale_at, w.admit_per_minute, w.max_active, w.admission_ttl_seconds, w.opened_at,
             w.admit_credit, w.credit_at, st.starts_at, au.theater_id, now() AS db_now
        FROM waiting_rooms w JOIN showtimes st ON st.id = w.showtime_id
        JOIN auditoriums au ON au.id = st.auditorium_id
       WHERE w.on_sale_at <= now() AND st.starts_at > now()
       ORDER BY w.showtime_id
         FOR UPDATE OF w`.execute(trx);
    return r.rows;
  }

  /**
   * The opening: every pre-queue place gets a position in a random order (gen_random_uuid draws from the
   * server's strong random source), 1..n; later arrivals continue at n+1. Runs under the room's row lock, in a
   * statement after it was granted, so it sees every join that committed before.
   */
  async open(trx: Transaction<Database>, showtimeId: string): Promise<number> {
    const r = await sql<{ placed: number }>`
      WITH shuffled AS (
        SELECT e.id, row_number() OVER (ORDER BY gen_random_uuid()) AS rn
          FROM waiting_room_entries e
         WHERE e.showtime_id = ${showtimeId} AND e.status = 'waiting' AND e.position IS NULL
      ), placed AS (
        UPDATE waiting_room_entries e SET position = s.rn FROM shuffled s WHERE e.id = s.id RETURNING e.id
      ), room AS (
        UPDATE waiting_rooms w
           SET opened_at = now(), next_position = (SELECT count(*) FROM placed) + 1, admit_credit = 0,
               credit_at = now(), updated_at = now()
         WHERE w.showtime_id = ${showtimeId}
        RETURNING 1
      )
      SELECT (SELECT count(*) FROM placed)::int AS placed, (SELECT count(*) FROM room) AS rooms`.execute(trx);
    return r.rows[0]?.placed ?? 0;
  }

  /**
   * Frees admitted places: bought (a confirmed booking since the admission) becomes `done`, a window that ended
   * becomes `expired`; never while the customer still has a live hold on the showtime, which may still be paid.
   */
  async releaseAdmitted(
    trx: Transaction<Database>,
    showtimeId: string,
  ): Promise<{ done: number; expired: number }> {
    const r = await sql<{ status: WaitingRoomEntryStatus }>`
      UPDATE waiting_room_entries e
         SET status = CASE WHEN EXISTS (SELECT 1 FROM bookings b
                                         WHERE b.user_id = e.user_id AND b.showtime_id = e.showtime_id
                                           AND b.status = 'confirmed' AND b.confirmed_at >= e.admitted_at)
                           THEN 'done' ELSE 'expired' END,
             ended_at = now()
       WHERE e.showtime_id = ${showtimeId} AND e.status = 'admitted'
         AND NOT EXISTS (SELECT 1 FROM bookings b
                          WHERE b.user_id = e.user_id AND b.showtime_id = e.showtime_id
                            AND b.status = 'pending' AND b.expires_at > now())
         AND (e.admitted_until <= now()
              OR EXISTS (SELECT 1 FROM bookings b
                          WHERE b.user_id = e.user_id AND b.showtime_id = e.showtime_id
                            AND b.status = 'confirmed' AND b.confirmed_at >= e.admitted_at))
      RETURNING e.status`.execute(trx);
    return {
      done: r.rows.filter((x) => x.status === 'done').length,
      expired: r.rows.filter((x) => x.status === 'expired').length,
    };
  }

  async activeCount(trx: Transaction<Database>, showtimeId: string): Promise<number> {
    const r = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM waiting_room_entries
       WHERE showtime_id = ${showtimeId} AND status = 'admitted'`.execute(trx);
    return r.rows[0]?.n ?? 0;
  }

  /** Admits the next `count` places in position order, each for the room's admission window. */
  async admitNext(
    trx: Transaction<Database>,
    showtimeId: string,
    count: number,
    ttlSeconds: number,
  ): Promise<number> {
    if (count <= 0) return 0;
    const r = await sql<{ id: string }>`
      UPDATE waiting_room_entries e
         SET status = 'admitted', admitted_at = now(), admitted_until = now() + make_interval(secs => ${ttlSeconds})
       WHERE e.id IN (SELECT n.id FROM waiting_room_entries n
                       WHERE n.showtime_id = ${showtimeId} AND n.status = 'waiting' AND n.position IS NOT NULL
                       ORDER BY n.position LIMIT ${count}
                         FOR UPDATE)
         AND e.status = 'waiting'
      RETURNING e.id`.execute(trx);
    return r.rows.length;
  }

  async saveCredit(trx: Transaction<Database>, showtimeId: string, credit: number): Promise<void> {
    await sql`UPDATE waiting_rooms SET admit_credit = ${credit}, credit_at = now() WHERE showtime_id = ${showtimeId}`.execute(
      trx,
    );
  }
}

/** Turns the timestamps of a row_to_json entry back into Dates. */
function dated(row: EntryRow): EntryRow {
  const d = (v: Date | string | null) => (typeof v === 'string' ? new Date(v) : v);
  return {
    ...row,
    position: row.position === null ? null : String(row.position),
    joined_at: d(row.joined_at)!,
    admitted_at: d(row.admitted_at),
    admitted_until: d(row.admitted_until),
    ended_at: d(row.ended_at),
  };
}
