import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { SeatTier, TheaterRow } from '../../db/schema.js';
import { seatIsFree } from '../bookings/seat-rules.js';
import { EARTH_RADIUS_KM, type BoundingBox, type LatLng } from './geo.js';

export interface PriceColumns {
  currency: string;
  price_standard_cents: number;
  price_premium_cents: number | null;
  price_accessible_cents: number | null;
}

export interface TheaterDay {
  theater: TheaterRow;
  /** YYYY-MM-DD in the theater's zone */
  day: string;
  dayStart: Date;
  dayEnd: Date;
}

export interface ShowtimeListingRow extends PriceColumns {
  showtime_id: string;
  starts_at: Date;
  auditorium_id: string;
  auditorium_name: string;
  movie_id: string;
  title: string;
  synopsis: string;
  runtime_minutes: number;
  rating: string;
  poster_url: string | null;
  seats_available: number;
}

export interface ShowtimeDetailRow extends PriceColumns {
  id: string;
  /** showtimes.updated_at as text: the seat feed's layoutStamp. */
  layout_stamp: string;
  starts_at: Date;
  ends_at: Date;
  auditorium_id: string;
  auditorium_name: string;
  screen_position: 'top' | 'bottom';
  movie_id: string;
  title: string;
  synopsis: string;
  runtime_minutes: number;
  rating: string;
  poster_url: string | null;
  theater_id: string;
  theater_name: string;
  address: string;
  city: string;
  latitude: number;
  longitude: number;
  time_zone: string;
}

export interface SeatLayoutRow {
  id: string;
  row_label: string;
  number: number;
  x: number;
  y: number;
  tier: SeatTier;
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
    const distance = sql<number>`(${2 * EARTH_RADIUS_KM}::float8 * asin(least(1, sqrt(
        power(sin(radians(latitude - ${origin.lat}::float8) / 2), 2)
        + cos(radians(${origin.lat}::float8)) * cos(radians(latitude))
          * power(sin(radians(longitude - ${origin.lng}::float8) / 2), 2)))))`;
    const candidates = this.db
      .selectFrom('theaters')
      .selectAll()
      .select(distance.as('distance_km'))
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
      .orderBy('name')
      .orderBy('id')
      .limit(limit)
      .offset(offset)
      .execute();
  }

  async findTheater(id: string): Promise<TheaterRow | undefined> {
    return this.db.selectFrom('theaters').selectAll().where('id', '=', id).executeTakeFirst();
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
      WHERE t.id = ${id}`.execute(this.db);
    const row = rows[0];
    if (!row) return undefined;
    const { day_text, day_start, day_end, ...theater } = row;
    return { theater, day: day_text, dayStart: day_start, dayEnd: day_end };
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
        'a.id as auditorium_id',
        'a.name as auditorium_name',
        'm.id as movie_id',
        'm.title',
        'm.synopsis',
        'm.runtime_minutes',
        'm.rating',
        'm.poster_url',
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
        'a.id as auditorium_id',
        'a.name as auditorium_name',
        'a.screen_position',
        'm.id as movie_id',
        'm.title',
        'm.synopsis',
        'm.runtime_minutes',
        'm.rating',
        'm.poster_url',
        't.id as theater_id',
        't.name as theater_name',
        't.address',
        't.city',
        't.latitude',
        't.longitude',
        't.time_zone',
      ])
      .executeTakeFirst();
  }

  /** The seats of a showtime in map order (statuses come from the seat feed). */
  async listSeatLayout(showtimeId: string): Promise<SeatLayoutRow[]> {
    return this.db
      .selectFrom('seat_inventory as i')
      .innerJoin('seats as se', 'se.id', 'i.seat_id')
      .where('i.showtime_id', '=', showtimeId)
      .select(['se.id', 'se.row_label', 'se.number', 'se.x', 'se.y', 'se.tier'])
      .orderBy('se.y')
      .orderBy('se.x')
      .execute();
  }
}
