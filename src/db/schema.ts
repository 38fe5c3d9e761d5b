import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Kysely's view of the tables created by src/db/migrations. Keep in step with them. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

export type Role = 'customer' | 'staff' | 'admin';
/** `accessible`: a wheelchair space; `companion`: a seat beside one, for the wheelchair user's companion. */
export type SeatTier = 'standard' | 'premium' | 'accessible' | 'companion';
export type SeatBlock = 'broken' | 'house';
export type TicketType = 'adult' | 'child' | 'senior' | 'student';
/** `blocked`: taken off sale for one showtime by an operator (0018); never free, never held. */
export type InventoryStatus = 'available' | 'held' | 'sold' | 'blocked';

export interface UsersTable {
  id: Generated<string>;
  email: string;
  name: string;
  phone: string | null;
  password_hash: string;
  role: Generated<Role>;
  /** Bumped to revoke every token issued before (sign out everywhere, role change). */
  token_version: Generated<number>;
  /** Bumped by every hold of this customer: their row lock, and how a hold knows its limit counts are current. */
  hold_seq: Generated<number>;
  /** Staff limited to their staff_theaters rows (0019); false: every theater (accounts made before). */
  theaters_restricted: Generated<boolean>;
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
  /** Per ticket, added to every booking (0013). */
  booking_fee_cents: Generated<number>;
  /** Sales tax in parts per million (88750 = 8.875%), on tickets + fee (0013). */
  tax_rate_ppm: Generated<number>;
  /** Set when the theater stopped selling: hidden from the catalog, history kept (0014). */
  closed_at: Date | null;
  /** ISO 4217 code new showtimes default to (0014). */
  currency: Generated<string>;
  /** Minutes an auditorium needs between two showings, 0-240 (0017). */
  cleaning_minutes: Generated<number>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface AuditoriumsTable {
  id: Generated<string>;
  theater_id: string;
  name: string;
  screen_position: Generated<'top' | 'bottom'>;
  /** The seats (seats.layout_version) new showtimes get (0014). */
  layout_version: Generated<number>;
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
  layout_version: Generated<number>;
  /** The row is drawn half a seat to the right (0014). */
  stagger: Generated<boolean>;
  /** The row's bow, 0-10 (0014). */
  curve: Generated<number>;
  /** Not for sale: no inventory in showtimes (0014). */
  blocked: SeatBlock | null;
  /** An operator-defined seat type of the theater; tier is then the type's base tier (0021). */
  seat_type_id: Generated<string | null>;
}

export type SeatTypeBaseTier = 'standard' | 'premium';

/** Operator-defined seat types, per theater (0021). */
export interface SeatTypesTable {
  id: Generated<string>;
  theater_id: string;
  name: string;
  /** #rrggbb, lower case */
  colour: string;
  base_tier: SeatTypeBaseTier;
  surcharge_cents: Generated<number>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface MoviesTable {
  id: Generated<string>;
  title: string;
  synopsis: Generated<string>;
  runtime_minutes: number;
  rating: Generated<string>;
  poster_url: string | null;
  genres: Generated<string[]>;
  /** ISO 639 code of the original soundtrack, e.g. en */
  language: Generated<string>;
  cast_members: Generated<string[]>;
  trailer_url: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export type ShowtimeFormat = '2D' | '3D' | 'IMAX' | 'DOLBY';
export type Presentation = 'original' | 'subtitled' | 'dubbed';

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
  format: Generated<ShowtimeFormat>;
  presentation: Generated<Presentation>;
  /** subtitles' language when subtitled, the soundtrack's when dubbed; null when original */
  presentation_language: string | null;
  /** Off each tier's price for that ticket type; null: the type is not offered (0013). Adult is always offered. */
  child_discount_cents: number | null;
  senior_discount_cents: number | null;
  student_discount_cents: number | null;
  /** The cleaning time inside [starts_at, ends_at): the film ends cleaning_minutes before ends_at (0017). */
  cleaning_minutes: Generated<number>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface SeatInventoryTable {
  showtime_id: string;
  seat_id: string;
  status: Generated<InventoryStatus>;
  booking_id: string | null;
  version: Generated<number>;
  updated_at: Timestamp;
}

export type BookingStatus = 'pending' | 'confirmed' | 'expired' | 'cancelled' | 'refunded';
export type TicketStatus = 'held' | 'sold' | 'void';
export type PaymentStatus =
  'pending' | 'unknown' | 'succeeded' | 'declined' | 'failed' | 'refund_pending' | 'refunded';
export type RefundReason = 'customer' | 'duplicate_charge' | 'hold_ended' | 'operator';

export type BookingChannel = 'online' | 'box_office';
export type PaymentMethod = 'card' | 'cash';

export interface BookingsTable {
  id: Generated<string>;
  reference: string;
  user_id: string;
  showtime_id: string;
  status: Generated<BookingStatus>;
  expires_at: Timestamp;
  max_expires_at: Timestamp;
  /** Tickets + booking fee + tax, as stored by the hold (0013); what a payment charges. */
  total_cents: number;
  currency: string;
  booking_fee_cents: Generated<number>;
  tax_cents: Generated<number>;
  tax_rate_ppm: Generated<number>;
  created_at: CreatedAt;
  updated_at: Timestamp;
  confirmed_at: Date | null;
  closed_at: Date | null;
  /** Set by the one extension a hold may have (0009). */
  extended_at: Generated<Date | null>;
  /** `box_office`: sold at the counter by the clerk whose account holds it, to the buyer below (0016). */
  channel: Generated<BookingChannel>;
  buyer_email: Generated<string | null>;
  buyer_name: Generated<string | null>;
}

export interface TicketsTable {
  id: Generated<string>;
  booking_id: string;
  showtime_id: string;
  seat_id: string;
  tier: SeatTier;
  ticket_type: Generated<TicketType>;
  price_cents: number;
  status: Generated<TicketStatus>;
  created_at: CreatedAt;
  admitted_at: Date | null;
  admitted_by: string | null;
}

export interface PaymentsTable {
  id: Generated<string>;
  booking_id: string;
  user_id: string;
  gateway_key: string;
  status: Generated<PaymentStatus>;
  amount_cents: number;
  currency: string;
  brand: string;
  last4: string;
  charge_id: string | null;
  refund_id: string | null;
  refund_reason: RefundReason | null;
  decline_reason: string | null;
  /** `cash`: taken at the box office, no gateway (0016). */
  method: Generated<PaymentMethod>;
  tendered_cents: Generated<number | null>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface IdempotencyKeysTable {
  user_id: string;
  key: string;
  request_hash: string;
  status: Generated<'in_progress' | 'completed'>;
  response_status: number | null;
  response_body: unknown;
  locked_at: Timestamp;
  created_at: CreatedAt;
  expires_at: Timestamp;
}

export interface SimChargesTable {
  id: string;
  idempotency_key: string;
  amount_cents: number;
  currency: string;
  brand: string;
  last4: string;
  status: 'succeeded' | 'declined' | 'failed';
  decline_code: string | null;
  refunded_cents: Generated<number>;
  lands_at: Generated<Date>;
  created_at: CreatedAt;
}

export interface SimRefundsTable {
  id: string;
  charge_id: string;
  idempotency_key: string;
  amount_cents: number;
  created_at: CreatedAt;
}

export type BookingNotificationEvent =
  'booking.confirmed' | 'booking.refunded' | 'booking.expired' | 'payment.refunded';
export type NotificationEvent = BookingNotificationEvent | 'account.password_reset' | 'account.invitation';
export type NotificationChannel = 'email' | 'sms';
export type NotificationStatus = 'pending' | 'sending' | 'sent' | 'failed';

export interface NotificationsTable {
  id: string;
  /** Exactly one of booking_id, password_reset_id and invitation_id is set: what the message is about. */
  booking_id: string | null;
  password_reset_id: Generated<string | null>;
  invitation_id: Generated<string | null>;
  event: NotificationEvent;
  channel: NotificationChannel;
  recipient: string;
  status: Generated<NotificationStatus>;
  attempts: Generated<number>;
  last_error: string | null;
  message_id: string;
  provider_id: string | null;
  sent_at: Date | null;
  /** When the outbox sweep queued a delivery job for this row (it does so at most once); null otherwise. */
  swept_at: Generated<Date | null>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface PasswordResetsTable {
  id: string;
  user_id: string;
  /** SHA-256 of the token; the token itself is never stored. */
  token_hash: Buffer;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
  superseded_at: Date | null;
}

export interface StaffTheatersTable {
  user_id: string;
  theater_id: string;
}

export interface InvitationsTable {
  id: string;
  email: string;
  role: 'staff' | 'admin';
  theater_ids: ColumnType<string[], string[] | undefined, string[]>;
  /** SHA-256 of the token; the token itself is never stored. */
  token_hash: Buffer;
  invited_by: string | null;
  created_at: Date;
  expires_at: Date;
  accepted_at: Date | null;
  accepted_by: string | null;
  revoked_at: Date | null;
}

export interface AuditLogTable {
  id: Generated<string>;
  at: Generated<Date>;
  actor_id: string | null;
  actor_email: string;
  action: string;
  subject_type: string;
  subject_id: string;
  theater_id: string | null;
  /** jsonb: read as parsed JSON, written as a JSON string (pg would turn a JS array into a PostgreSQL array). */
  before: ColumnType<unknown, string | null, never>;
  after: ColumnType<unknown, string | null, never>;
  reason: string | null;
  request_id: string | null;
}

export type WaitingRoomEntryStatus = 'waiting' | 'admitted' | 'done' | 'left' | 'expired';

/** A high-demand showtime's queue settings and admission state (migration 0020). */
export interface WaitingRoomsTable {
  showtime_id: string;
  on_sale_at: Date;
  admit_per_minute: number | null;
  max_active: number | null;
  admission_ttl_seconds: Generated<number>;
  opened_at: Date | null;
  next_position: Generated<string>;
  admit_credit: Generated<number>;
  credit_at: Date | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/** One account's place in one showtime's queue. */
export interface WaitingRoomEntriesTable {
  id: Generated<string>;
  showtime_id: string;
  user_id: string;
  /** bigint: a string from pg; null in the pre-queue until the opening shuffle. */
  position: string | null;
  status: Generated<WaitingRoomEntryStatus>;
  joined_at: Generated<Date>;
  admitted_at: Date | null;
  admitted_until: Date | null;
  ended_at: Date | null;
}

export interface Database {
  waiting_rooms: WaitingRoomsTable;
  waiting_room_entries: WaitingRoomEntriesTable;
  audit_log: AuditLogTable;
  staff_theaters: StaffTheatersTable;
  invitations: InvitationsTable;
  notifications: NotificationsTable;
  password_resets: PasswordResetsTable;
  bookings: BookingsTable;
  tickets: TicketsTable;
  payments: PaymentsTable;
  idempotency_keys: IdempotencyKeysTable;
  'sim_gateway.charges': SimChargesTable;
  'sim_gateway.refunds': SimRefundsTable;
  users: UsersTable;
  theaters: TheatersTable;
  auditoriums: AuditoriumsTable;
  seats: SeatsTable;
  seat_types: SeatTypesTable;
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
export type BookingRow = Selectable<BookingsTable>;
export type TicketRow = Selectable<TicketsTable>;
export type PaymentRow = Selectable<PaymentsTable>;
export type NotificationRow = Selectable<NotificationsTable>;
export type PasswordResetRow = Selectable<PasswordResetsTable>;
export type InvitationRow = Selectable<InvitationsTable>;
