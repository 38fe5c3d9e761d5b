import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type {
  BookingStatus,
  Database,
  NotificationEvent,
  NotificationRow,
  NotificationStatus,
  SeatTier,
  TicketStatus,
  TicketType,
} from '../../db/schema.js';

type Q = Kysely<Database> | Transaction<Database>;

/**
 * The outbox rows of a booking event, one per channel the customer can be reached on (a box office sale's go to
 * the buyer's email, if they gave one), for the bookings rows of `bookings` (a subquery or a CTE's name), at most
 * once per (booking, event, channel); RETURNING their ids. Shared by insertForEvent and the statement that
 * confirms a payment (BookingsRepository.confirmPaid), which writes them with the confirmation.
 */
export function insertBookingOutboxRows(
  bookings: RawBuilder<unknown>,
  e: { event: NotificationEvent; mailDomain: string; smsEnabled: boolean },
): RawBuilder<{ id: string }> {
  return sql<{ id: string }>`
    INSERT INTO notifications (id, booking_id, event, channel, recipient, message_id)
    SELECT x.id, b.id, ${e.event}, x.channel, x.recipient, '<' || x.id || '@' || ${e.mailDomain}::text || '>'
      FROM ${bookings} b
      JOIN users u ON u.id = b.user_id
      CROSS JOIN LATERAL (VALUES
             (gen_random_uuid(), 'email', CASE WHEN b.channel = 'box_office' THEN b.buyer_email ELSE u.email END),
             (gen_random_uuid(), 'sms', CASE WHEN b.channel = 'box_office' THEN NULL ELSE u.phone END))
        AS x (id, channel, recipient)
     WHERE x.recipient IS NOT NULL
       AND (x.channel = 'email' OR ${e.smsEnabled}::boolean)
    ON CONFLICT (booking_id, event, channel) DO NOTHING
    RETURNING id`;
}

/** Everything a confirmation, refund or expiry message says about a booking. */
export interface BookingMessageView {
  booking: {
    id: string;
    reference: string;
    status: BookingStatus;
    /** Tickets + booking fee + tax, as the hold stored them. */
    totalCents: number;
    bookingFeeCents: number;
    taxCents: number;
    taxRatePpm: number;
    currency: string;
    createdAt: Date;
    confirmedAt: Date | null;
    closedAt: Date | null;
  };
  customer: { name: string; email: string };
  movie: { title: string; runtimeMinutes: number; rating: string };
  showtime: { id: string; startsAt: Date; endsAt: Date };
  theater: { name: string; address: string; city: string; timeZone: string };
  auditorium: { name: string };
  tickets: {
    id: string;
    row: string;
    number: number;
    tier: SeatTier;
    /** The seat's type by its current name, or null (BookingsRepository's TicketView.seat_type says why). */
    seatType: string | null;
    ticketType: TicketType;
    priceCents: number;
    status: TicketStatus;
  }[];
  /** The booking's successful charge, if there was one (refunded since, or being refunded). */
  charge: { amountCents: number; currency: string; brand: string; last4: string; refunded: boolean } | null;
}

export type ClaimResult =
  | { kind: 'claimed'; row: NotificationRow; resend: boolean }
  | { kind: 'done'; status: NotificationStatus | 'missing' }
  | { kind: 'busy' };

/** Queries only; the rules live in the outbox, the delivery job and NotificationsService. */
export class NotificationsRepository {
  /**
   * One statement: an email row always, an SMS row when the customer has a phone and SMS is on. The unique
   * (booking_id, event, channel) key makes a second call for the same event insert nothing.
   * Returns the rows actually inserted (each needs its delivery job).
   */
  async insertForEvent(
    trx: Transaction<Database>,
    e: { bookingId: string; event: NotificationEvent; mailDomain: string; smsEnabled: boolean },
  ): Promise<{ id: string }[]> {
    const result = await sql<{ id: string }>`${insertBookingOutboxRows(
      sql`(SELECT * FROM bookings WHERE id = ${e.bookingId})`,
      e,
    )}`.execute(trx);
    return result.rows;
  }

  /**
   * The outbox sweep's batch: rows still `pending` that no attempt ever claimed (attempts = 0), written more than
   * `olderThanSeconds` ago and never swept before, oldest first, marked swept. Run it in the transaction that
   * queues their jobs, so a row is marked if and only if its job was queued. SKIP LOCKED: two sweeping workers
   * take different rows.
   */
  async anyUnqueued(db: Q, olderThanSeconds: number): Promise<boolean> {
    const r = await sql<{ any: boolean }>`
      SELECT EXISTS (SELECT 1 FROM notifications
                      WHERE status = 'pending' AND attempts = 0 AND swept_at IS NULL
                        AND created_at < now() - make_interval(secs => ${olderThanSeconds})) AS any`.execute(
      db,
    );
    return r.rows[0]?.any === true;
  }

  async takeUnqueued(
    trx: Transaction<Database>,
    olderThanSeconds: number,
    limit: number,
  ): Promise<{ id: string }[]> {
    const result = await sql<{ id: string }>`
      WITH due AS (
        SELECT id FROM notifications
         WHERE status = 'pending' AND attempts = 0 AND swept_at IS NULL
           AND created_at < now() - make_interval(secs => ${olderThanSeconds})
         ORDER BY created_at
         LIMIT ${limit}
           FOR UPDATE SKIP LOCKED
      )
      UPDATE notifications n SET swept_at = now()
        FROM due
       WHERE n.id = due.id
      RETURNING n.id`.execute(trx);
    return result.rows;
  }

  /** The reset email's outbox row, addressed to the account's email. Returns the row inserted. */
  async insertForPasswordReset(
    trx: Transaction<Database>,
    e: { passwordResetId: string; mailDomain: string },
  ): Promise<{ id: string }[]> {
    const result = await sql<{ id: string }>`
      INSERT INTO notifications (id, password_reset_id, event, channel, recipient, message_id)
      SELECT x.id, r.id, 'account.password_reset', 'email', u.email, '<' || x.id || '@' || ${e.mailDomain} || '>'
        FROM password_resets r
        JOIN users u ON u.id = r.user_id
        CROSS JOIN LATERAL (VALUES (gen_random_uuid())) AS x (id)
       WHERE r.id = ${e.passwordResetId}
      ON CONFLICT (password_reset_id, event, channel) DO NOTHING
      RETURNING id`.execute(trx);
    return result.rows;
  }

  /** The invitation email's outbox row, addressed to the invited email. */
  async insertForInvitation(
    trx: Transaction<Database>,
    e: { invitationId: string; mailDomain: string },
  ): Promise<{ id: string }[]> {
    const result = await sql<{ id: string }>`
      INSERT INTO notifications (id, invitation_id, event, channel, recipient, message_id)
      SELECT x.id, i.id, 'account.invitation', 'email', i.email, '<' || x.id || '@' || ${e.mailDomain} || '>'
        FROM invitations i
        CROSS JOIN LATERAL (VALUES (gen_random_uuid())) AS x (id)
       WHERE i.id = ${e.invitationId}
      ON CONFLICT (invitation_id, event, channel) DO NOTHING
      RETURNING id`.execute(trx);
    return result.rows;
  }

  /** What an invitation email says: who invited, for what, where, and until when. */
  async invitationView(
    db: Q,
    invitationId: string,
  ): Promise<
    | {
        id: string;
        role: 'staff' | 'admin';
        expiresAt: Date;
        open: boolean;
        inviterName: string | null;
        theaters: string[];
      }
    | undefined
  > {
    return db
      .selectFrom('invitations as i')
      .leftJoin('users as u', 'u.id', 'i.invited_by')
      .select([
        'i.id',
        'i.role',
        'i.expires_at as expiresAt',
        sql<boolean>`i.accepted_at IS NULL AND i.revoked_at IS NULL`.as('open'),
        'u.name as inviterName',
        sql<string[]>`coalesce((SELECT array_agg(t.name ORDER BY t.name) FROM theaters t
                                 WHERE t.id = ANY (i.theater_ids)), '{}')`.as('theaters'),
      ])
      .where('i.id', '=', invitationId)
      .executeTakeFirst();
  }

  /** What a reset email says: whom it greets, and until when the link works. */
  async passwordResetView(
    db: Q,
    passwordResetId: string,
  ): Promise<{ id: string; name: string; expiresAt: Date } | undefined> {
    return db
      .selectFrom('password_resets as r')
      .innerJoin('users as u', 'u.id', 'r.user_id')
      .select(['r.id', 'u.name', 'r.expires_at as expiresAt'])
      .where('r.id', '=', passwordResetId)
      .executeTakeFirst();
  }

  /**
   * Takes the row for one delivery attempt: pending rows, and rows left `sending` by an attempt that died
   * (older than the lease). A fresh `sending` row belongs to a live attempt elsewhere: not ours to send.
   */
  async claim(db: Q, id: string, leaseSeconds: number): Promise<ClaimResult> {
    const claimed = await sql<NotificationRow & { previous_status: NotificationStatus }>`
      WITH prev AS (SELECT id, status FROM notifications WHERE id = ${id} FOR UPDATE)
      UPDATE notifications n
         SET status = 'sending', attempts = n.attempts + 1, updated_at = now()
        FROM prev
       WHERE n.id = prev.id
         AND (n.status = 'pending'
              OR (n.status = 'sending' AND n.updated_at <= now() - make_interval(secs => ${leaseSeconds})))
      RETURNING n.*, prev.status AS previous_status`.execute(db);
    const row = claimed.rows[0];
    if (row) {
      const { previous_status, ...rest } = row;
      return { kind: 'claimed', row: rest, resend: previous_status === 'sending' };
    }
    const current = await db
      .selectFrom('notifications')
      .select('status')
      .where('id', '=', id)
      .executeTakeFirst();
    if (current?.status === 'sending') return { kind: 'busy' };
    return { kind: 'done', status: current?.status ?? 'missing' };
  }

  async markSent(db: Q, id: string, providerId: string): Promise<void> {
    await db
      .updateTable('notifications')
      .set({
        status: 'sent',
        provider_id: providerId,
        sent_at: sql`now()`,
        last_error: null,
        updated_at: sql`now()`,
      })
      .where('id', '=', id)
      .where('status', '=', 'sending')
      .execute();
  }

  /** After a failed attempt: back to pending for the next retry, or failed when there is none. */
  async markAttemptFailed(db: Q, id: string, error: string, final: boolean): Promise<void> {
    await db
      .updateTable('notifications')
      .set({ status: final ? 'failed' : 'pending', last_error: error, updated_at: sql`now()` })
      .where('id', '=', id)
      .where('status', '=', 'sending')
      .execute();
  }

  /** The dead-letter path: the job is gone for good (retries exhausted, even by crashes). */
  async markAbandoned(db: Q, id: string, error: string): Promise<boolean> {
    const r = await db
      .updateTable('notifications')
      .set({ status: 'failed', last_error: sql`coalesce(last_error, ${error})`, updated_at: sql`now()` })
      .where('id', '=', id)
      .where('status', 'in', ['pending', 'sending'])
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  /** Operator retry: only a failed row goes back to pending. */
  async reopenFailed(trx: Transaction<Database>, id: string): Promise<NotificationRow | undefined> {
    return trx
      .updateTable('notifications')
      .set({ status: 'pending', updated_at: sql`now()` })
      .where('id', '=', id)
      .where('status', '=', 'failed')
      .returningAll()
      .executeTakeFirst();
  }

  async find(db: Q, id: string) {
    return db
      .selectFrom('notifications as n')
      .leftJoin('bookings as b', 'b.id', 'n.booking_id')
      .selectAll('n')
      .select('b.reference')
      .where('n.id', '=', id)
      .executeTakeFirst();
  }

  async list(
    db: Q,
    f: {
      status?: NotificationStatus;
      bookingId?: string;
      limit: number;
      after?: { createdAt: Date; id: string };
    },
  ) {
    let q = db
      .selectFrom('notifications as n')
      .leftJoin('bookings as b', 'b.id', 'n.booking_id')
      .selectAll('n')
      .select('b.reference')
      .orderBy('n.created_at', 'desc')
      .orderBy('n.id', 'desc')
      .limit(f.limit + 1);
    if (f.status) q = q.where('n.status', '=', f.status);
    if (f.bookingId) q = q.where('n.booking_id', '=', f.bookingId);
    if (f.after)
      q = q.where(sql<boolean>`(n.created_at, n.id) < (${f.after.createdAt}, ${f.after.id}::uuid)`);
    return q.execute();
  }

  async bookingView(db: Q, bookingId: string): Promise<BookingMessageView | undefined> {
    const b = await db
      .selectFrom('bookings as b')
      .innerJoin('users as u', 'u.id', 'b.user_id')
      .innerJoin('showtimes as st', 'st.id', 'b.showtime_id')
      .innerJoin('movies as m', 'm.id', 'st.movie_id')
      .innerJoin('auditoriums as a', 'a.id', 'st.auditorium_id')
      .innerJoin('theaters as th', 'th.id', 'a.theater_id')
      .select([
        'b.id',
        'b.reference',
        'b.status',
        'b.total_cents',
        'b.booking_fee_cents',
        'b.tax_cents',
        'b.tax_rate_ppm',
        'b.currency',
        'b.created_at',
        'b.confirmed_at',
        'b.closed_at',
        sql<string>`CASE WHEN b.channel = 'box_office' THEN coalesce(b.buyer_name, 'there') ELSE u.name END`.as(
          'customer_name',
        ),
        sql<string>`CASE WHEN b.channel = 'box_office' THEN coalesce(b.buyer_email, '') ELSE u.email END`.as(
          'customer_email',
        ),
        'm.title',
        'm.runtime_minutes',
        'm.rating',
        'st.id as showtime_id',
        'st.starts_at',
        'st.ends_at',
        'th.name as theater_name',
        'th.address',
        'th.city',
        'th.time_zone',
        'a.name as auditorium_name',
      ])
      .where('b.id', '=', bookingId)
      .executeTakeFirst();
    if (!b) return undefined;
    const [tickets, charge] = await Promise.all([
      db
        .selectFrom('tickets as t')
        .innerJoin('seats as s', 's.id', 't.seat_id')
        .leftJoin('seat_types as ty', 'ty.id', 's.seat_type_id')
        .select([
          't.id',
          's.row_label',
          's.number',
          't.tier',
          'ty.name as seat_type',
          't.ticket_type',
          't.price_cents',
          't.status',
        ])
        .where('t.booking_id', '=', bookingId)
        .orderBy('s.y')
        .orderBy('s.x')
        .execute(),
      db
        .selectFrom('payments')
        .select(['amount_cents', 'currency', 'brand', 'last4', 'status'])
        .where('booking_id', '=', bookingId)
        .where('status', 'in', ['succeeded', 'refund_pending', 'refunded'])
        .orderBy('created_at')
        .executeTakeFirst(),
    ]);
    return {
      booking: {
        id: b.id,
        reference: b.reference,
        status: b.status,
        totalCents: b.total_cents,
        bookingFeeCents: b.booking_fee_cents,
        taxCents: b.tax_cents,
        taxRatePpm: b.tax_rate_ppm,
        currency: b.currency,
        createdAt: b.created_at,
        confirmedAt: b.confirmed_at,
        closedAt: b.closed_at,
      },
      customer: { name: b.customer_name, email: b.customer_email },
      movie: { title: b.title, runtimeMinutes: b.runtime_minutes, rating: b.rating },
      showtime: { id: b.showtime_id, startsAt: b.starts_at, endsAt: b.ends_at },
      theater: { name: b.theater_name, address: b.address, city: b.city, timeZone: b.time_zone },
      auditorium: { name: b.auditorium_name },
      tickets: tickets.map((t) => ({
        id: t.id,
        row: t.row_label,
        number: t.number,
        tier: t.tier,
        seatType: t.seat_type,
        ticketType: t.ticket_type,
        priceCents: t.price_cents,
        status: t.status,
      })),
      charge: charge
        ? {
            amountCents: charge.amount_cents,
            currency: charge.currency,
            brand: charge.brand,
            last4: charge.last4,
            refunded: charge.status !== 'succeeded',
          }
        : null,
    };
  }
}
