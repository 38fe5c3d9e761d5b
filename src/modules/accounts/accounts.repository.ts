import { sql, type Kysely, type Transaction } from 'kysely';
import type { Db } from '../../db/database.js';
import type { Database, NewUser, PasswordResetRow, Role, UserRow } from '../../db/schema.js';

type Q = Kysely<Database> | Transaction<Database>;

/** What every authenticated request needs to know about its user. */
export interface SessionState {
  role: Role;
  tokenVersion: number;
}

export class AccountsRepository {
  constructor(private readonly db: Db) {}

  async insertUser(user: NewUser): Promise<UserRow> {
    return this.db.insertInto('users').values(user).returningAll().executeTakeFirstOrThrow();
  }

  async findByEmail(email: string): Promise<UserRow | undefined> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where(sql`lower(email)`, '=', email.toLowerCase())
      .executeTakeFirst();
  }

  async findById(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findSessionState(id: string): Promise<SessionState | undefined> {
    return this.db
      .selectFrom('users')
      .select(['role', 'token_version as tokenVersion'])
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** Revokes every token issued before: they carry the old version. */
  async bumpTokenVersion(id: string): Promise<UserRow | undefined> {
    return this.db
      .updateTable('users')
      .set((eb) => ({ token_version: eb('token_version', '+', 1), updated_at: new Date() }))
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  /** Changes the role and revokes the tokens that carry the old one, in one statement. */
  async findByIdForUpdate(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  }

  async updateRole(id: string, role: Role): Promise<UserRow | undefined> {
    return this.db
      .updateTable('users')
      .set((eb) => ({ role, token_version: eb('token_version', '+', 1), updated_at: new Date() }))
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  /** Name and phone (E.164 or null); only the fields given change. */
  async updateProfile(
    id: string,
    changes: { name?: string; phone?: string | null },
  ): Promise<UserRow | undefined> {
    return this.db
      .updateTable('users')
      .set({ ...changes, updated_at: new Date() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  /** A new password hash, and every token issued before is revoked, in one statement. */
  async setPasswordAndRevoke(db: Q, id: string, passwordHash: string): Promise<UserRow | undefined> {
    return db
      .updateTable('users')
      .set((eb) => ({
        password_hash: passwordHash,
        token_version: eb('token_version', '+', 1),
        updated_at: new Date(),
      }))
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  /** Older links stop working once a newer one is asked for. */
  async supersedeOpenResets(trx: Transaction<Database>, userId: string, at: Date): Promise<void> {
    await trx
      .updateTable('password_resets')
      .set({ superseded_at: at })
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .where('superseded_at', 'is', null)
      .execute();
  }

  async insertReset(
    trx: Transaction<Database>,
    r: { id: string; userId: string; tokenHash: Buffer; createdAt: Date; expiresAt: Date },
  ): Promise<void> {
    await trx
      .insertInto('password_resets')
      .values({
        id: r.id,
        user_id: r.userId,
        token_hash: r.tokenHash,
        created_at: r.createdAt,
        expires_at: r.expiresAt,
      })
      .execute();
  }

  async findResetByHash(db: Q, tokenHash: Buffer): Promise<PasswordResetRow | undefined> {
    return db
      .selectFrom('password_resets')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
  }

  /**
   * Uses a reset token: one conditional UPDATE, so of two requests with the same token exactly one gets the
   * row back; the other (and every later one) finds it used.
   */
  async consumeReset(db: Q, tokenHash: Buffer, at: Date): Promise<{ userId: string } | undefined> {
    return db
      .updateTable('password_resets')
      .set({ used_at: at })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .where('superseded_at', 'is', null)
      .where('expires_at', '>', at)
      .returning('user_id as userId')
      .executeTakeFirst();
  }
}
