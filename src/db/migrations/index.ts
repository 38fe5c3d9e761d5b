import type { Kysely, Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_foundation.js';
import * as m0002 from './0002_bookings.js';
import * as m0003 from './0003_seat_events.js';
import * as m0004 from './0004_notifications.js';
import * as m0005 from './0005_payments_trust.js';
import * as m0006 from './0006_sessions.js';
import * as m0007 from './0007_seat_events_after_commit.js';
import * as m0008 from './0008_lean_claims.js';
import * as m0009 from './0009_hold_extension.js';
import * as m0010 from './0010_companion_seats.js';
import * as m0011 from './0011_movie_details.js';
import * as m0012 from './0012_account.js';
import * as m0013 from './0013_prices.js';
import * as m0014 from './0014_operator_console.js';
import * as m0015 from './0015_audit_log.js';
import * as m0016 from './0016_box_office.js';
import * as m0017 from './0017_schedule.js';
import * as m0018 from './0018_seat_blocks.js';
import * as m0019 from './0019_people.js';
import * as m0020 from './0020_waiting_room.js';
import * as m0021 from './0021_seat_types.js';
import * as m0022 from './0022_admission_history.js';
import * as m0023 from './0023_outbox_sweep.js';

/** Explicit, ordered list: a migration runs once, in this order, and is never edited after release. */
const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_bookings': m0002,
  '0003_seat_events': m0003,
  '0004_notifications': m0004,
  '0005_payments_trust': m0005,
  '0006_sessions': m0006,
  '0007_seat_events_after_commit': m0007,
  '0008_lean_claims': m0008,
  '0009_hold_extension': m0009,
  '0010_companion_seats': m0010,
  '0011_movie_details': m0011,
  '0012_account': m0012,
  '0013_prices': m0013,
  '0014_operator_console': m0014,
  '0015_audit_log': m0015,
  '0016_box_office': m0016,
  '0017_schedule': m0017,
  '0018_seat_blocks': m0018,
  '0019_people': m0019,
  '0020_waiting_room': m0020,
  '0021_seat_types': m0021,
  '0022_admission_history': m0022,
  '0023_outbox_sweep': m0023,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};

export type AnyDb = Kysely<unknown>;
