import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { MovieRow, Presentation, SeatTier, ShowtimeFormat, TheaterRow } from '../../db/schema.js';
import { seatIsFree } from '../bookings/seat-rules.js';
import { EARTH_RADIUS_KM, type BoundingBox, type LatLng } from './geo.js';

export interface PriceColumns {
  currency: string;
  price_standard_cents: number;
  price_premium_cents: number | null;
  price_accessible_cents: number | null;
  child_discount_cents: number | null;
  senior_discount_cents: number | null;
  student_discount_cents: number | null;
}

export interface TheaterDay {
  theater: TheaterRow;
  /** YYYY-MM-DD in the theater's zone */
  day: string;
  dayStart: Date;
  dayEnd: Date;
}

export interface FormatColumns {
  format: ShowtimeFormat;
  presentation: Presentation;
  presentation_language: string | null;
}

/** The movie columns every listing carries, named as in the movies table (toMovie reads them). */
export interface MovieColumns {
  title: string;
  synopsis: string;
  runtime_minutes: number;
  rating: string;
  poster_url: string | null;
  genres: string[];
  language: string;
  cast_members: string[];
  trailer_url: string | null;
}

const MOVIE_COLUMNS = [
  'm.title',
  'm.synopsis',
  'm.runtime_minutes',
  'm.rating',
  'm.poster_url',
  'm.genres',
  'm.language',
  'm.cast_members',
  'm.trailer_url',
] as const;
const FORMAT_COLUMNS = ['s.format', 's.presentation', 's.presentation_language'] as const;

export interface MovieShowtimeRow extends PriceColumns, FormatColumns {
  showtime_id: string;
  starts_at: Date;
  /** YYYY-MM-DD in the theater's zone */
  local_date: string;
  auditorium_id: string;
  auditorium_name: string;
  theater_id: string;
  theater_name: string;
  address: string;
  city: string;
  latitude: number;
  longitude: number;
  time_zone: string;
  distance_km: number | null;
  seats_available: number;
}

export interface Nearby {
  origin: LatLng;
  radiusKm: number;
  box: BoundingBox;
}

/** Great-circle distance from `origin` to a theaters row (`t`), in km: haversineKm in SQL. */
function distanceSql(origin: LatLng, t = 'theaters') {
  const lat = sql.ref(`${t}.latitude`);
  const lng = sql.ref(`${t}.longitude`);
  return sql<number>`(${2 * EARTH_RADIUS_KM}::float8 * asin(least(1, sqrt(
        power(sin(radians(${lat} - ${origin.lat}::float8) / 2), 2)
        + cos(radians(${origin.lat}::float8)) * cos(radians(${lat}))
          * power(sin(radians(${lng} - ${origin.lng}::float8) / 2), 2)))))`;
}

export interface ShowtimeListingRow extends PriceColumns, FormatColumns, MovieColumns {
  showtime_id: string;
  starts_at: Date;
  auditorium_id: string;
  auditorium_name: string;
  movie_id: string;
  seats_available: number;
}

export interface ShowtimeDetailRow extends PriceColumns, FormatColumns, MovieColumns {
  id: string;
  /** showtimes.updated_at as text: the seat feed's layoutStamp. */
  layout_stamp: string;
  starts_at: Date;
  ends_at: Date;
  auditorium_id: string;
  auditorium_name: string;
  screen_position: 'top' | 'bottom';
  movie_id: string;
  theater_id: string;
  theater_name: string;
  address: string;
  city: string;
  latitude: number;
  longitude: number;
  time_zone: string;
  booking_fee_cents: number;
  tax_rate_ppm: number;
}

export interface SeatLayoutRow {
  id: string;
  row_label: string;
  number: number;
  x: number;
  y: number;
  tier: SeatTier;
  stagger: boolean;
  curve: number;
  seat_type_id: string | null;
  seat_type_name: string | null;
  seat_type_colour: string | null;
  surcharge_cents: number;
}

/** Queries behind the public browse API. Read-only. */
export class CatalogRepository {
  constructor(private readonly db: Db) {}

  /** Theaters within `radiusKm`: the box uses theaters_location_idx, haversine decides on what is left. */
  async findTheatersNear(
    origin: LatLng,
    radiusKm: number,
    box: BoundingBox,
    limit: number,
  ): Promise<(TheaterRow & { distance_km: number })[]> {
    const distance = distanceSql(origin);
    const candidates = this.db
      .selectFrom('theaters')
      .selectAll()
      .select(distance.as('distance_km'))
      .where('closed_at', 'is', null)
      .where('latitude', '>=', box.minLat)
      .where('latitude', '<=', box.maxLat)
      .where((eb) =>
        eb.or(
          box.lngRanges.map(([min, max]) => eb.and([eb('longitude', '>=', min), eb('longitude', '<=', max)])),
        ),
      )
      .as('t');
    return this.db
      .selectFrom(candidates)
      .selectAll()
      .where('distance_km', '<=', radiusKm)
      .orderBy('distance_km')
      .orderBy('name')
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  async listTheatersByName(limit: number, offset = 0): Promise<TheaterRow[]> {
    return this.db
      .selectFrom('theaters')
      .selectAll()
      .where('closed_at', 'is', null)
      .orderBy('name')
      .orderBy('id')
      .limit(limit)
      .offset(offset)
      .execute();
  }

  async findTheater(id: string): Promise<TheaterRow | undefined> {
    return this.db
      .selectFrom('theaters')
      .selectAll()
      .where('id', '=', id)
      .where('closed_at', 'is', null)
      .executeTakeFirst();
  }

  /**
   * The theater and the UTC bounds of one local day there. `date` absent means today in the theater's zone;
   * PostgreSQL does the zone arithmetic (DST days are 23 or 25 hours long).
   */
  async findTheaterDay(id: string, date: string | undefined, now: Date): Promise<TheaterDay | undefined> {
    const { rows } = await sql<TheaterRow & { day_text: string; day_start: Date; day_end: Date }>`
      SELECT t.*,
        to_char(d.day, 'YYYY-MM-DD') AS day_text,
        (d.day::timestamp AT TIME ZONE t.time_zone) AS day_start,
        ((d.day + 1)::timestamp AT TIME ZONE t.time_zone) AS day_end
      FROM theaters t
      CROSS JOIN LATERAL (
        SELECT coalesce(${date ?? null}::date, (${now}::timestamptz AT TIME ZONE t.time_zone)::date) AS day
      ) d
      WHERE t.id = ${id} AND t.closed_at IS NULL`.execute(this.db);
    const row = rows[0];
    if (!row) return undefined;
    const { day_text, day_start, day_end, ...theater } = row;
    return { theater, day: day_text, dayStart: day_start, dayEnd: day_end };
  }

  /** The local date (in the theater's time zone) of the theater's first showtime starting after `now`. */
  async findNextShowtimeDate(theaterId: string, timeZone: string, now: Date): Promise<string | null> {
    const { rows } = await sql<{ day: string | null }>`
      SELECT to_char((min(s.starts_at) AT TIME ZONE ${timeZone})::date, 'YYYY-MM-DD') AS day
      FROM showtimes s
      JOIN auditoriums a ON a.id = s.auditorium_id
      WHERE a.theater_id = ${theaterId} AND s.starts_at > ${now}`.execute(this.db);
    return rows[0]?.day ?? null;
  }

  /** Every showtime of a theater starting in [from, to), with free-seat counts: one grouped query. */
  async listShowtimesOfTheater(theaterId: string, from: Date, to: Date): Promise<ShowtimeListingRow[]> {
    return this.db
      .selectFrom('showtimes as s')
      .innerJoin('auditoriums as a', 'a.id', 's.auditorium_id')
      .innerJoin('movies as m', 'm.id', 's.movie_id')
      .leftJoin('seat_inventory as i', 'i.showtime_id', 's.id')
      .where('a.theater_id', '=', theaterId)
      .where('s.starts_at', '>=', from)
      .where('s.starts_at', '<', to)
      .select([
        's.id as showtime_id',
        's.starts_at',
        's.currency',
        's.price_standard_cents',
        's.price_premium_cents',
        's.price_accessible_cents',
        's.child_discount_cents',
        's.senior_discount_cents',
        's.student_discount_cents',
        'a.id as auditorium_id',
        'a.name as auditorium_name',
        'm.id as movie_id',
        ...MOVIE_COLUMNS,
        ...FORMAT_COLUMNS,
        sql<number>`count(i.seat_id) FILTER (WHERE ${seatIsFree('i')})`.as('seats_available'),
      ])
      .groupBy(['s.id', 'a.id', 'm.id'])
      .orderBy('m.title')
      .orderBy('m.id')
      .orderBy('s.starts_at')
      .orderBy('a.name')
      .execute();
  }

  async findShowtimeDetail(id: string): Promise<ShowtimeDetailRow | undefined> {
    return this.db
      .selectFrom('showtimes as s')
      .innerJoin('auditoriums as a', 'a.id', 's.auditorium_id')
      .innerJoin('theaters as t', 't.id', 'a.theater_id')
      .innerJoin('movies as m', 'm.id', 's.movie_id')
      .where('s.id', '=', id)
      .select([
        's.id',
        sql<string>`s.updated_at::text`.as('layout_stamp'),
        's.starts_at',
        's.ends_at',
        's.currency',
        's.price_standard_cents',
        's.price_premium_cents',
        's.price_accessible_cents',
        's.child_discount_cents',
        's.senior_discount_cents',
        's.student_discount_cents',
        'a.id as auditorium_id',
        'a.name as auditorium_name',
        'a.screen_position',
        'm.id as movie_id',
        ...MOVIE_COLUMNS,
        ...FORMAT_COLUMNS,
        't.id as theater_id',
        't.name as theater_name',
        't.address',
        't.city',
        't.latitude',
        't.longitude',
        't.time_zone',
        't.booking_fee_cents',
        't.tax_rate_ppm',
      ])
      .executeTakeFirst();
  }

  /** The seats of a showtime in map order (statuses come from the seat feed). */
  async listSeatLayout(showtimeId: string): Promise<SeatLayoutRow[]> {
    return this.db
      .selectFrom('seat_inventory as i')
      .innerJoin('seats as se', 'se.id', 'i.seat_id')
      .leftJoin('seat_types as ty', 'ty.id', 'se.seat_type_id')
      .where('i.showtime_id', '=', showtimeId)
      .select([
        'se.id',
        'se.row_label',
        'se.number',
        'se.x',
        'se.y',
        'se.tier',
        'se.stagger',
        'se.curve',
        'se.seat_type_id',
        'ty.name as seat_type_name',
        'ty.colour as seat_type_colour',
        sql<number>`coalesce(ty.surcharge_cents, 0)`.as('surcharge_cents'),
      ])
      .orderBy('se.y')
      .orderBy('se.x')
      .execute();
  }

  /** Movies whose title contains `text` (any case), titles that start with it first. */
  async searchMovies(text: string, limit: number): Promise<MovieRow[]> {
    const escaped = text.replace(/[\\%_]/g, (c) => `\\${c}`);
    let query = this.db.selectFrom('movies').selectAll();
    if (text) query = query.where('title', 'ilike', `%${escaped}%`);
    return query
      .orderBy(sql`title ILIKE ${`${escaped}%`}`, 'desc')
      .orderBy('title')
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  async findMovie(id: string): Promise<MovieRow | undefined> {
    return this.db.selectFrom('movies').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /**
   * A movie's showtimes starting in [from, to) at every theater (or those within the radius), with free-seat
   * counts and each showtime's local date: one grouped query, nearest theater first.
   */
  async listMovieShowtimes(
    movieId: string,
    from: Date,
    to: Date,
    near: Nearby | undefined,
  ): Promise<MovieShowtimeRow[]> {
    let query = this.db
      .selectFrom('showtimes as s')
      .innerJoin('auditoriums as a', 'a.id', 's.auditorium_id')
      .innerJoin('theaters as t', 't.id', 'a.theater_id')
      .leftJoin('seat_inventory as i', 'i.showtime_id', 's.id')
      .where('s.movie_id', '=', movieId)
      .where('t.closed_at', 'is', null)
      .where('s.starts_at', '>=', from)
      .where('s.starts_at', '<', to);
    if (near) {
      const { box } = near;
      query = query
        .where('t.latitude', '>=', box.minLat)
        .where('t.latitude', '<=', box.maxLat)
        .where((eb) =>
          eb.or(
            box.lngRanges.map(([min, max]) =>
              eb.and([eb('t.longitude', '>=', min), eb('t.longitude', '<=', max)]),
            ),
          ),
        )
        .where(distanceSql(near.origin, 't'), '<=', near.radiusKm);
    }
    const rows = await query
      .select([
        's.id as showtime_id',
        's.starts_at',
        sql<string>`to_char(s.starts_at AT TIME ZONE t.time_zone, 'YYYY-MM-DD')`.as('local_date'),
        's.currency',
        's.price_standard_cents',
        's.price_premium_cents',
        's.price_accessible_cents',
        's.child_discount_cents',
        's.senior_discount_cents',
        's.student_discount_cents',
        ...FORMAT_COLUMNS,
        'a.id as auditorium_id',
        'a.name as auditorium_name',
        't.id as theater_id',
        't.name as theater_name',
        't.address',
        't.city',
        't.latitude',
        't.longitude',
        't.time_zone',
        (near ? sql<number | null>`${distanceSql(near.origin, 't')}` : sql<number | null>`NULL::float8`).as(
          'distance_km',
        ),
        sql<number>`count(i.seat_id) FILTER (WHERE ${seatIsFree('i')})`.as('seats_available'),
      ])
      .groupBy(['s.id', 'a.id', 't.id'])
      .orderBy('local_date')
      .orderBy('distance_km')
      .orderBy('t.name')
      .orderBy('t.id')
      .orderBy('s.starts_at')
      .orderBy('a.name')
      .execute();
    return rows.map((r) => ({ ...r, seats_available: Number(r.seats_available) }));
  }
}
