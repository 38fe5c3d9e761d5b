import { sql, type Insertable, type Updateable } from 'kysely';
import type { Db } from '../../db/database.js';
import type {
  AuditoriumsTable,
  MovieRow,
  MoviesTable,
  ShowtimeRow,
  ShowtimesTable,
  TheaterRow,
  TheatersTable,
} from '../../db/schema.js';
import { seatIsFree } from '../bookings/seat-rules.js';
import type { FormatColumns, PriceColumns } from './catalog.repository.js';
import type { PlacedSeat, StoredSeat } from './seat-layout.js';
import { SeatTypesRepository } from './seat-types.repository.js';

export interface AuditoriumRow {
  id: string;
  theater_id: string;
  name: string;
  screen_position: 'top' | 'bottom';
  layout_version: number;
  seat_count: number;
}

export interface UpcomingShowtimeCounts {
  on_current: number;
  on_older: number;
  with_sales: number;
}

export interface AdminShowtimeRow extends PriceColumns, FormatColumns {
  id: string;
  starts_at: Date;
  ends_at: Date;
  cleaning_minutes: number;
  movie_id: string;
  title: string;
  runtime_minutes: number;
  auditorium_id: string;
  auditorium_name: string;
  theater_id: string;
  theater_name: string;
  time_zone: string;
  seats_total: number;
  seats_available: number;
  seats_held: number;
  seats_sold: number;
}

export interface OverlapRow {
  id: string;
  starts_at: Date;
  ends_at: Date;
  cleaning_minutes: number;
  movie_id: string;
  title: string;
  auditorium_id: string;
  auditorium_name: string;
  time_zone: string;
}

export interface AuditoriumTheaterRow {
  auditorium_id: string;
  auditorium_name: string;
  theater_id: string;
  time_zone: string;
  currency: string;
  cleaning_minutes: number;
  closed_at: Date | null;
}

export interface ShowtimeFilter {
  theaterId?: string | undefined;
  auditoriumId?: string | undefined;
  movieId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  limit: number;
  offset: number;
}

/** Queries behind the admin API. Services pass a transaction where several must commit together. */
export class AdminRepository {
  constructor(private readonly db: Db) {}

  /** The seat types' queries on the same connection (transaction). */
  seatTypes(): SeatTypesRepository {
    return new SeatTypesRepository(this.db);
  }

  // ---- theaters ----
  async insertTheater(values: Insertable<TheatersTable>): Promise<TheaterRow> {
    return this.db.insertInto('theaters').values(values).returningAll().executeTakeFirstOrThrow();
  }

  private theatersWithCounts() {
    return this.db
      .selectFrom('theaters as t')
      .selectAll('t')
      .select((eb) =>
        eb
          .selectFrom('auditoriums as a')
          .whereRef('a.theater_id', '=', 't.id')
          .select(sql<number>`count(*)::int`.as('n'))
          .as('auditorium_count'),
      );
  }

  async listTheaters(limit: number, offset: number): Promise<(TheaterRow & { auditorium_count: number })[]> {
    const rows = await this.theatersWithCounts()
      .orderBy('t.name')
      .orderBy('t.id')
      .limit(limit)
      .offset(offset)
      .execute();
    return rows.map((r) => ({ ...r, auditorium_count: r.auditorium_count ?? 0 }));
  }

  async findTheater(id: string): Promise<(TheaterRow & { auditorium_count: number }) | undefined> {
    const row = await this.theatersWithCounts().where('t.id', '=', id).executeTakeFirst();
    return row && { ...row, auditorium_count: row.auditorium_count ?? 0 };
  }

  /** `closed`: true closes (keeping the first closing time), false reopens, undefined leaves it. */
  async updateTheater(id: string, patch: Updateable<TheatersTable>, closed?: boolean): Promise<boolean> {
    const closedAt =
      closed === undefined ? {} : { closed_at: closed ? sql<Date>`coalesce(closed_at, now())` : null };
    const result = await this.db
      .updateTable('theaters')
      .set({ ...patch, ...closedAt, updated_at: sql`now()` })
      .where('id', '=', id)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async deleteTheater(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('theaters').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** Whether PostgreSQL itself knows the zone: the catalog's day arithmetic happens there. */
  async isKnownTimeZone(zone: string): Promise<boolean> {
    const { rows } = await sql<{ known: boolean }>`
      SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = ${zone}) AS known`.execute(this.db);
    return rows[0]?.known === true;
  }

  // ---- auditoriums ----
  async insertAuditorium(values: Insertable<AuditoriumsTable>): Promise<string> {
    const row = await this.db
      .insertInto('auditoriums')
      .values(values)
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async insertSeats(auditoriumId: string, seats: PlacedSeat[], layoutVersion = 1): Promise<void> {
    // At most 40 x 60 seats x 11 columns, well under PostgreSQL's 65535 parameters.
    await this.db
      .insertInto('seats')
      .values(
        seats.map((s) => ({
          auditorium_id: auditoriumId,
          layout_version: layoutVersion,
          row_label: s.rowLabel,
          number: s.number,
          x: s.x,
          y: s.y,
          tier: s.tier,
          stagger: s.stagger,
          curve: s.curve,
          blocked: s.blocked,
          seat_type_id: s.seatTypeId,
        })),
      )
      .execute();
  }

  /** Locks the auditorium against concurrent layout saves and new showtimes (which take FOR KEY SHARE). */
  async lockAuditorium(id: string): Promise<{ layout_version: number; theater_id: string } | undefined> {
    return this.db
      .selectFrom('auditoriums')
      .select(['layout_version', 'theater_id'])
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
  }

  async updateAuditorium(id: string, patch: Updateable<AuditoriumsTable>): Promise<void> {
    await this.db.updateTable('auditoriums').set(patch).where('id', '=', id).execute();
  }

  /** Layout versions no showtime uses any more (nothing else refers to seats without inventory). */
  async deleteUnusedLayoutVersions(auditoriumId: string, current: number): Promise<void> {
    await sql`
      DELETE FROM seats s
       WHERE s.auditorium_id = ${auditoriumId} AND s.layout_version <> ${current}
         AND NOT EXISTS (SELECT 1 FROM seats u JOIN seat_inventory i ON i.seat_id = u.id
                          WHERE u.auditorium_id = s.auditorium_id AND u.layout_version = s.layout_version)`.execute(
      this.db,
    );
  }

  /** Showtimes not yet started, by the layout version their inventory was made from. */
  async countUpcomingShowtimes(auditoriumId: string, current: number): Promise<UpcomingShowtimeCounts> {
    const { rows } = await sql<UpcomingShowtimeCounts>`
      SELECT (count(*) FILTER (WHERE v.version = ${current}))::int AS on_current,
             (count(*) FILTER (WHERE v.version IS DISTINCT FROM ${current}))::int AS on_older,
             (count(*) FILTER (WHERE v.sales))::int AS with_sales
        FROM showtimes st
        CROSS JOIN LATERAL (
          SELECT (SELECT se.layout_version FROM seat_inventory i JOIN seats se ON se.id = i.seat_id
                   WHERE i.showtime_id = st.id LIMIT 1) AS version,
                 EXISTS (SELECT 1 FROM seat_inventory i WHERE i.showtime_id = st.id AND i.status NOT IN ('available', 'blocked'))
                   AS sales
        ) v
       WHERE st.auditorium_id = ${auditoriumId} AND st.starts_at > now()`.execute(this.db);
    return rows[0] ?? { on_current: 0, on_older: 0, with_sales: 0 };
  }

  async theaterCurrency(auditoriumId: string): Promise<string> {
    const row = await this.db
      .selectFrom('auditoriums as a')
      .innerJoin('theaters as t', 't.id', 'a.theater_id')
      .select('t.currency')
      .where('a.id', '=', auditoriumId)
      .executeTakeFirst();
    return row?.currency ?? 'USD';
  }

  async isTheaterClosed(auditoriumId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('auditoriums as a')
      .innerJoin('theaters as t', 't.id', 'a.theater_id')
      .select('t.closed_at')
      .where('a.id', '=', auditoriumId)
      .executeTakeFirst();
    return row?.closed_at != null;
  }

  private auditoriumsWithCounts() {
    return this.db
      .selectFrom('auditoriums as a')
      .select(['a.id', 'a.theater_id', 'a.name', 'a.screen_position', 'a.layout_version'])
      .select((eb) =>
        eb
          .selectFrom('seats as se')
          .whereRef('se.auditorium_id', '=', 'a.id')
          .whereRef('se.layout_version', '=', 'a.layout_version')
          .select(sql<number>`count(*)::int`.as('n'))
          .as('seat_count'),
      );
  }

  async listAuditoriums(theaterId: string): Promise<AuditoriumRow[]> {
    const rows = await this.auditoriumsWithCounts()
      .where('a.theater_id', '=', theaterId)
      .orderBy('a.name')
      .execute();
    return rows.map((r) => ({ ...r, seat_count: r.seat_count ?? 0 }));
  }

  async findAuditorium(id: string): Promise<AuditoriumRow | undefined> {
    const row = await this.auditoriumsWithCounts().where('a.id', '=', id).executeTakeFirst();
    return row && { ...row, seat_count: row.seat_count ?? 0 };
  }

  async listSeats(auditoriumId: string, layoutVersion: number): Promise<StoredSeat[]> {
    return this.db
      .selectFrom('seats')
      .where('auditorium_id', '=', auditoriumId)
      .where('layout_version', '=', layoutVersion)
      .select([
        'id',
        'row_label as rowLabel',
        'number',
        'tier',
        'x',
        'y',
        'stagger',
        'curve',
        'blocked',
        'seat_type_id as seatTypeId',
      ])
      .orderBy('y')
      .orderBy('x')
      .execute();
  }

  async deleteAuditorium(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('auditoriums').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  // ---- movies ----
  async insertMovie(values: Insertable<MoviesTable>): Promise<MovieRow> {
    return this.db.insertInto('movies').values(values).returningAll().executeTakeFirstOrThrow();
  }

  async findMovie(id: string): Promise<MovieRow | undefined> {
    return this.db.selectFrom('movies').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async listMovies(
    titleContains: string | undefined,
    limit: number,
    offset: number,
  ): Promise<{ rows: MovieRow[]; total: number }> {
    let query = this.db.selectFrom('movies');
    if (titleContains) {
      const pattern = `%${titleContains.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      query = query.where('title', 'ilike', pattern);
    }
    const [rows, count] = await Promise.all([
      query.selectAll().orderBy('title').orderBy('id').limit(limit).offset(offset).execute(),
      query.select(sql<number>`count(*)::int`.as('total')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: count.total };
  }

  async updateMovie(id: string, patch: Updateable<MoviesTable>): Promise<MovieRow | undefined> {
    return this.db
      .updateTable('movies')
      .set({ ...patch, updated_at: sql`now()` })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  async deleteMovie(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('movies').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  // ---- showtimes ----
  /**
   * Locks a row the new showtime will reference (FOR KEY SHARE), so a concurrent delete waits for us and then
   * meets the foreign key, instead of us meeting a vanished row.
   */
  async lockReferenced(table: 'auditoriums' | 'movies', id: string): Promise<boolean> {
    const row = await this.db
      .selectFrom(table)
      .select('id')
      .where('id', '=', id)
      .forKeyShare()
      .executeTakeFirst();
    return row !== undefined;
  }

  async insertShowtime(values: Insertable<ShowtimesTable>): Promise<string> {
    const row = await this.db
      .insertInto('showtimes')
      .values(values)
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /**
   * One available inventory row per seat of the auditorium's current layout version that is for sale, in one
   * statement: the showtime keeps these seats whatever later versions of the layout look like.
   */
  async createInventory(showtimeId: string, auditoriumId: string): Promise<number> {
    const result = await this.db
      .insertInto('seat_inventory')
      .columns(['showtime_id', 'seat_id'])
      .expression((eb) =>
        eb
          .selectFrom('seats')
          .where('auditorium_id', '=', auditoriumId)
          .where(
            'layout_version',
            '=',
            eb.selectFrom('auditoriums').select('layout_version').where('id', '=', auditoriumId),
          )
          .where('blocked', 'is', null)
          .select([sql<string>`${showtimeId}::uuid`.as('showtime_id'), 'id as seat_id']),
      )
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n);
  }

  /** Showtimes whose slot (runtime plus cleaning) overlaps [startsAt, endsAt) in the auditorium, by start. */
  async findOverlaps(
    auditoriumId: string,
    startsAt: Date,
    endsAt: Date,
    exceptId?: string,
  ): Promise<OverlapRow[]> {
    let query = this.db
      .selectFrom('showtimes as s')
      .innerJoin('movies as m', 'm.id', 's.movie_id')
      .innerJoin('auditoriums as a', 'a.id', 's.auditorium_id')
      .innerJoin('theaters as t', 't.id', 'a.theater_id')
      .select([
        's.id',
        's.starts_at',
        's.ends_at',
        's.cleaning_minutes',
        'm.id as movie_id',
        'm.title',
        'a.id as auditorium_id',
        'a.name as auditorium_name',
        't.time_zone',
      ])
      .where('s.auditorium_id', '=', auditoriumId)
      .where(
        sql<boolean>`tstzrange(s.starts_at, s.ends_at) && tstzrange(${startsAt}::timestamptz, ${endsAt}::timestamptz)`,
      );
    if (exceptId) query = query.where('s.id', '<>', exceptId);
    return query.orderBy('s.starts_at').limit(10).execute();
  }

  /** What scheduling in an auditorium needs to know about its theater; undefined when the auditorium is gone. */
  async auditoriumTheater(auditoriumId: string): Promise<AuditoriumTheaterRow | undefined> {
    return this.db
      .selectFrom('auditoriums as a')
      .innerJoin('theaters as t', 't.id', 'a.theater_id')
      .select([
        'a.id as auditorium_id',
        'a.name as auditorium_name',
        't.id as theater_id',
        't.time_zone',
        't.currency',
        't.cleaning_minutes',
        't.closed_at',
      ])
      .where('a.id', '=', auditoriumId)
      .executeTakeFirst();
  }

  /** Locks the showtime row for the rest of the transaction (PATCH/DELETE against concurrent edits). */
  async lockShowtime(id: string): Promise<(ShowtimeRow & { runtime_minutes: number }) | undefined> {
    return this.db
      .selectFrom('showtimes as s')
      .innerJoin('movies as m', 'm.id', 's.movie_id')
      .selectAll('s')
      .select('m.runtime_minutes')
      .where('s.id', '=', id)
      .forUpdate('s')
      .executeTakeFirst();
  }

  async updateShowtime(id: string, patch: Updateable<ShowtimesTable>): Promise<void> {
    await this.db
      .updateTable('showtimes')
      .set({ ...patch, updated_at: sql`now()` })
      .where('id', '=', id)
      .execute();
  }

  /** Open or paid bookings, or any seat that is not free, pin a showtime to its time. */
  async hasActiveBookings(showtimeId: string): Promise<boolean> {
    const { rows } = await sql<{ active: boolean }>`
      SELECT EXISTS (
        SELECT 1 FROM bookings WHERE showtime_id = ${showtimeId} AND status IN ('pending', 'confirmed')
      ) OR EXISTS (
        SELECT 1 FROM seat_inventory WHERE showtime_id = ${showtimeId} AND status NOT IN ('available', 'blocked')
      ) AS active`.execute(this.db);
    return rows[0]?.active === true;
  }

  async hasSoldSeats(showtimeId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('seat_inventory')
      .select('seat_id')
      .where('showtime_id', '=', showtimeId)
      .where('status', '=', 'sold')
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async deleteShowtime(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('showtimes').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  private adminShowtimes() {
    return this.db
      .selectFrom('showtimes as s')
      .innerJoin('auditoriums as a', 'a.id', 's.auditorium_id')
      .innerJoin('theaters as t', 't.id', 'a.theater_id')
      .innerJoin('movies as m', 'm.id', 's.movie_id')
      .leftJoin('seat_inventory as i', 'i.showtime_id', 's.id')
      .select([
        's.id',
        's.starts_at',
        's.ends_at',
        's.cleaning_minutes',
        's.currency',
        's.price_standard_cents',
        's.price_premium_cents',
        's.price_accessible_cents',
        's.child_discount_cents',
        's.senior_discount_cents',
        's.student_discount_cents',
        's.format',
        's.presentation',
        's.presentation_language',
        'm.id as movie_id',
        'm.title',
        'm.runtime_minutes',
        'a.id as auditorium_id',
        'a.name as auditorium_name',
        't.id as theater_id',
        't.name as theater_name',
        't.time_zone',
        sql<number>`count(i.seat_id)::int`.as('seats_total'),
        sql<number>`(count(i.seat_id) FILTER (WHERE ${seatIsFree('i')}))::int`.as('seats_available'),
        sql<number>`(count(i.seat_id) FILTER (WHERE i.status = 'held' AND NOT ${seatIsFree('i')}))::int`.as(
          'seats_held',
        ),
        sql<number>`(count(i.seat_id) FILTER (WHERE i.status = 'sold'))::int`.as('seats_sold'),
      ])
      .groupBy(['s.id', 'm.id', 'a.id', 't.id']);
  }

  async findAdminShowtime(id: string): Promise<AdminShowtimeRow | undefined> {
    return this.adminShowtimes().where('s.id', '=', id).executeTakeFirst();
  }

  /** A theater's showtimes that start before `to` and still occupy their auditorium after `from`. */
  async listTheaterSchedule(theaterId: string, from: Date, to: Date): Promise<AdminShowtimeRow[]> {
    return this.adminShowtimes()
      .where('a.theater_id', '=', theaterId)
      .where('s.starts_at', '<', to)
      .where('s.ends_at', '>', from)
      .orderBy('s.starts_at')
      .orderBy('a.name')
      .execute();
  }

  async listAdminShowtimes(filter: ShowtimeFilter): Promise<AdminShowtimeRow[]> {
    let query = this.adminShowtimes();
    if (filter.theaterId) query = query.where('a.theater_id', '=', filter.theaterId);
    if (filter.auditoriumId) query = query.where('s.auditorium_id', '=', filter.auditoriumId);
    if (filter.movieId) query = query.where('s.movie_id', '=', filter.movieId);
    if (filter.from) query = query.where('s.starts_at', '>=', filter.from);
    if (filter.to) query = query.where('s.starts_at', '<', filter.to);
    return query
      .orderBy('s.starts_at')
      .orderBy('a.name')
      .orderBy('s.id')
      .limit(filter.limit)
      .offset(filter.offset)
      .execute();
  }
}
