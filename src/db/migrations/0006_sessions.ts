import { sql, type Kysely } from 'kysely';

// Revocable sessions. Access tokens carry the user's token_version; bumping it (sign out everywhere, a role
// change) makes every token issued before invalid within the auth cache's TTL, on every API process.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE users ADD COLUMN token_version integer NOT NULL DEFAULT 0 CHECK (token_version >= 0)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE users DROP COLUMN IF EXISTS token_version`.execute(db);
}
