import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Kysely's view of the tables created by src/db/migrations. Keep in step with them. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

export type Role = 'customer' | 'staff' | 'admin';
export type SeatTier = 'standard' | 'premium' | 'accessible';
export type InventoryStatus = 'available' | 'held' | 'sold';

export interface UsersTable {
  id: Generated<string>;
  email: string;
  name: string;
  phone: string | null;
  password_hash: string;
  role: Generated<Role>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface TheatersTable {
  id: Generated<string>;
  name: string;
  address: string;
  city: string;
  latitude: number;
  longitude: number;
  time_zone: Generated<string>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface AuditoriumsTable {
  id: Generated<string>;
  theater_id: string;
  name: string;
  screen_position: Generated<'top' | 'bottom'>;
  created_at: CreatedAt;
}

export interface SeatsTable {
  id: Generated<string>;
  auditorium_id: string;
  row_label: string;
  number: number;
  x: number;
  y: number;
  tier: SeatTier;
}

export interface MoviesTable {
  id: Generated<string>;
  title: string;
  synopsis: Generated<string>;
  runtime_minutes: number;
  rating: Generated<string>;
  poster_url: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface ShowtimesTable {
  id: Generated<string>;
  auditorium_id: string;
  movie_id: string;
  starts_at: Timestamp;
  ends_at: Timestamp;
  currency: Generated<string>;
  price_standard_cents: number;
  price_premium_cents: number | null;
  price_accessible_cents: number | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface SeatInventoryTable {
  showtime_id: string;
  seat_id: string;
  status: Generated<InventoryStatus>;
  booking_id: string | null;
  hold_expires_at: Date | null;
  version: Generated<number>;
  updated_at: Timestamp;
}

export interface Database {
  users: UsersTable;
  theaters: TheatersTable;
  auditoriums: AuditoriumsTable;
  seats: SeatsTable;
  movies: MoviesTable;
  showtimes: ShowtimesTable;
  seat_inventory: SeatInventoryTable;
}

export type UserRow = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type TheaterRow = Selectable<TheatersTable>;
export type MovieRow = Selectable<MoviesTable>;
export type MovieUpdate = Updateable<MoviesTable>;
export type ShowtimeRow = Selectable<ShowtimesTable>;
export type SeatRow = Selectable<SeatsTable>;
