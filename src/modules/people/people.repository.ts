import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, InvitationRow, Role } from '../../db/schema.js';

type Q = Kysely<Database> | Transaction<Database>;

export interface AccessRow {
  id: string;
  email: string;
  name: string;
  role: Role;
  theaters_restricted: boolean;
  created_at: Date;
  theater_ids: string[];
}

export type InvitationView = InvitationRow & { invited_by_email: string | null };

/** Queries only; the rules are PeopleService's. */
export class PeopleRepository {
  /** Theaters by id that are open (not closed), with their names. */
  async openTheaters(db: Q, ids: readonly string[]): Promise<{ id: string; name: string }[]> {
    if (ids.length === 0) return [];
    return db
      .selectFrom('theaters')
      .select(['id', 'name'])
      .where('id', 'in', ids)
      .where('closed_at', 'is', null)
      .orderBy('name')
      .execute();
  }

  async theaterNames(db: Q, ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await db.selectFrom('theaters').select(['id', 'name']).where('id', 'in', ids).execute();
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  /** Staff and admins, admins first, then by name, with the theaters of restricted staff. */
  async operators(db: Q): Promise<AccessRow[]> {
    return this.accessQuery(db)
      .where('u.role', 'in', ['staff', 'admin'])
      .orderBy(sql`u.role = 'admin'`, 'desc')
      .orderBy('u.name')
      .orderBy('u.id')
      .execute();
  }

  async accessOf(db: Q, userId: string, lock = false): Promise<AccessRow | undefined> {
    let q = this.accessQuery(db).where('u.id', '=', userId);
    if (lock) q = q.forUpdate('u');
    return q.executeTakeFirst();
  }

  private accessQuery(db: Q) {
    return db.selectFrom('users as u').select([
      'u.id',
      'u.email',
      'u.name',
      'u.role',
      'u.theaters_restricted',
      'u.created_at',
      sql<string[]>`coalesce((SELECT array_agg(st.theater_id ORDER BY st.theater_id)
                                  FROM staff_theaters st WHERE st.user_id = u.id), '{}')`.as('theater_ids'),
    ]);
  }

  /**
   * Sets role and theaters. A changed role bumps the token version (the user signs in again, with the new role);
   * theaters are read on every check-in and sale, so a change of theaters needs no sign-out.
   */
  async setAccess(
    trx: Transaction<Database>,
    userId: string,
    role: Role,
    theaterIds: readonly string[] | null,
  ): Promise<void> {
    await trx
      .updateTable('users')
      .set({
        role,
        theaters_restricted: theaterIds !== null,
        token_version: sql<number>`CASE WHEN role = ${role} THEN token_version ELSE token_version + 1 END`,
        updated_at: new Date(),
      })
      .where('id', '=', userId)
      .execute();
    await trx.deleteFrom('staff_theaters').where('user_id', '=', userId).execute();
    if (theaterIds && theaterIds.length > 0) {
      await trx
        .insertInto('staff_theaters')
        .values(theaterIds.map((theater_id) => ({ user_id: userId, theater_id })))
        .execute();
    }
  }

  async insertInvitation(
    trx: Transaction<Database>,
    i: {
      id: string;
      email: string;
      role: 'staff' | 'admin';
      theaterIds: string[];
      tokenHash: Buffer;
      invitedBy: string;
      createdAt: Date;
      expiresAt: Date;
    },
  ): Promise<void> {
    await trx
      .insertInto('invitations')
      .values({
        id: i.id,
        email: i.email,
        role: i.role,
        theater_ids: i.theaterIds,
        token_hash: i.tokenHash,
        invited_by: i.invitedBy,
        created_at: i.createdAt,
        expires_at: i.expiresAt,
      })
      .execute();
  }

  /** Serializes invitations of one address (until the transaction ends). */
  async lockEmail(trx: Transaction<Database>, email: string): Promise<void> {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${'invitation:' + email.toLowerCase()}, 0))`.execute(
      trx,
    );
  }

  /** Withdraws the open invitations of an address (a newer one replaces them). Returns those withdrawn. */
  async revokeOpenFor(trx: Transaction<Database>, email: string, at: Date): Promise<InvitationRow[]> {
    return trx
      .updateTable('invitations')
      .set({ revoked_at: at })
      .where(sql`lower(email)`, '=', email.toLowerCase())
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .returningAll()
      .execute();
  }

  /** Invitations not accepted or withdrawn (pending or expired), and those closed in the last 30 days. */
  async listInvitations(db: Q, now: Date): Promise<InvitationView[]> {
    return this.invitationQuery(db)
      .where((eb) =>
        eb.or([
          eb.and([eb('i.accepted_at', 'is', null), eb('i.revoked_at', 'is', null)]),
          eb('i.created_at', '>', new Date(now.getTime() - 30 * 86_400_000)),
        ]),
      )
      .orderBy('i.created_at', 'desc')
      .limit(500)
      .execute();
  }

  async findInvitation(db: Q, id: string, lock = false): Promise<InvitationView | undefined> {
    let q = this.invitationQuery(db).where('i.id', '=', id);
    if (lock) q = q.forUpdate('i');
    return q.executeTakeFirst();
  }

  async findInvitationByHash(db: Q, tokenHash: Buffer): Promise<InvitationView | undefined> {
    return this.invitationQuery(db).where('i.token_hash', '=', tokenHash).executeTakeFirst();
  }

  private invitationQuery(db: Q) {
    return db
      .selectFrom('invitations as i')
      .leftJoin('users as inviter', 'inviter.id', 'i.invited_by')
      .selectAll('i')
      .select('inviter.email as invited_by_email');
  }

  /** Uses an invitation: one conditional UPDATE, so of two requests with one token exactly one gets the row. */
  async consumeInvitation(
    trx: Transaction<Database>,
    tokenHash: Buffer,
    at: Date,
  ): Promise<InvitationRow | undefined> {
    return trx
      .updateTable('invitations')
      .set({ accepted_at: at })
      .where('token_hash', '=', tokenHash)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', at)
      .returningAll()
      .executeTakeFirst();
  }

  async markAcceptedBy(trx: Transaction<Database>, id: string, userId: string): Promise<void> {
    await trx.updateTable('invitations').set({ accepted_by: userId }).where('id', '=', id).execute();
  }

  async revokeInvitation(trx: Transaction<Database>, id: string, at: Date): Promise<boolean> {
    const r = await trx
      .updateTable('invitations')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return r.numUpdatedRows === 1n;
  }
}
