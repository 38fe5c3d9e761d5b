import { sql, type Kysely } from 'kysely';

// Operator console (issue 12): every operator action is logged with who, when, what, before and after. An
// entry is written in the same transaction as the change it describes, so the log never claims a change that
// was rolled back and never misses one that committed.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE audit_log (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      at timestamptz NOT NULL DEFAULT now(),
      -- The account that acted; kept (with its email at the time) even if the account is deleted later.
      actor_id uuid REFERENCES users (id) ON DELETE SET NULL,
      actor_email text NOT NULL,
      action text NOT NULL CHECK (action ~ '^[a-z_]+\\.[a-z_]+$'),
      subject_type text NOT NULL,
      subject_id text NOT NULL,
      -- The theater the action concerns, when there is one: the console filters the log by theater.
      theater_id uuid,
      before jsonb,
      after jsonb,
      reason text CHECK (reason IS NULL OR length(reason) BETWEEN 1 AND 500),
      request_id text
    )`.execute(db);
  await sql`CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC)`.execute(db);
  await sql`CREATE INDEX audit_log_subject_idx ON audit_log (subject_type, subject_id, at DESC)`.execute(db);
  await sql`CREATE INDEX audit_log_theater_idx ON audit_log (theater_id, at DESC) WHERE theater_id IS NOT NULL`.execute(
    db,
  );
  await sql`CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, at DESC)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE audit_log`.execute(db);
}
