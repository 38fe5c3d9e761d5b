import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { NewUser, Role, UserRow } from '../../db/schema.js';

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
  async updateRole(id: string, role: Role): Promise<UserRow | undefined> {
    return this.db
      .updateTable('users')
      .set((eb) => ({ role, token_version: eb('token_version', '+', 1), updated_at: new Date() }))
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }
}
