import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { Role } from '../../db/schema.js';
import { TheaterNotAllowedError } from './people.errors.js';

/**
 * The one rule for "may this operator work at this theater": admins everywhere; staff at the theaters of their
 * account (read from the database on every call, so a change applies at once), or everywhere for accounts made
 * before per-theater staff (theaters_restricted false). Throws 403 THEATER_NOT_ALLOWED.
 */
export async function assertTheaterAllowed(
  db: Db,
  user: { userId: string; role: Role },
  theaterId: string,
): Promise<void> {
  if (user.role === 'admin') return;
  const row = await db
    .selectFrom('users as u')
    .select(
      sql<boolean>`NOT u.theaters_restricted OR EXISTS (
        SELECT 1 FROM staff_theaters st WHERE st.user_id = u.id AND st.theater_id = ${theaterId})`.as(
        'allowed',
      ),
    )
    .where('u.id', '=', user.userId)
    .where('u.role', '=', user.role)
    .executeTakeFirst();
  if (!row?.allowed) throw new TheaterNotAllowedError(theaterId);
}

/** The theaters an operator works at, for the pages to offer only those; null: every theater. */
export async function workingTheaters(
  db: Db,
  user: { userId: string; role: Role },
): Promise<string[] | null> {
  if (user.role === 'admin') return null;
  const row = await db
    .selectFrom('users as u')
    .select([
      'u.theaters_restricted',
      sql<string[]>`coalesce((SELECT array_agg(st.theater_id ORDER BY st.theater_id)
                               FROM staff_theaters st WHERE st.user_id = u.id), '{}')`.as('theater_ids'),
    ])
    .where('u.id', '=', user.userId)
    .executeTakeFirst();
  if (!row) return [];
  return row.theaters_restricted ? row.theater_ids : null;
}
