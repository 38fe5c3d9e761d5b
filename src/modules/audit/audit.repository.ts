import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';

/** Who acted, as the HTTP layer knows it. */
export interface AuditActor {
  userId: string;
  requestId?: string;
}

export interface AuditEntry {
  action: string;
  subjectType: string;
  subjectId: string;
  theaterId?: string | null;
  before?: unknown;
  after?: unknown;
  reason?: string | null;
}

export interface AuditRow {
  id: string;
  at: Date;
  actor_id: string | null;
  actor_email: string;
  action: string;
  subject_type: string;
  subject_id: string;
  theater_id: string | null;
  before: unknown;
  after: unknown;
  reason: string | null;
  request_id: string | null;
}

export interface AuditQuery {
  theaterId?: string;
  subjectType?: string;
  subjectId?: string;
  actorId?: string;
  action?: string;
  /** Keyset paging: entries strictly older than this one. */
  after?: { at: Date; id: string };
  limit: number;
}

function json(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

/**
 * Writes an entry with the change it describes: pass the transaction the change runs in. The actor's email is
 * copied in the same statement, so the entry still says who it was after the account is gone.
 */
export async function recordAudit(
  db: Kysely<Database> | Transaction<Database>,
  actor: AuditActor,
  entry: AuditEntry,
): Promise<void> {
  const result = await db
    .insertInto('audit_log')
    .columns([
      'actor_id',
      'actor_email',
      'action',
      'subject_type',
      'subject_id',
      'theater_id',
      'before',
      'after',
      'reason',
      'request_id',
    ])
    .expression(
      db
        .selectFrom('users')
        .where('id', '=', actor.userId)
        .select([
          'id',
          'email',
          sql.lit(entry.action).as('action'),
          sql<string>`${entry.subjectType}::text`.as('subject_type'),
          sql<string>`${entry.subjectId}::text`.as('subject_id'),
          sql<string | null>`${entry.theaterId ?? null}::uuid`.as('theater_id'),
          sql`${json(entry.before)}::jsonb`.as('before'),
          sql`${json(entry.after)}::jsonb`.as('after'),
          sql<string | null>`${entry.reason ?? null}::text`.as('reason'),
          sql<string | null>`${actor.requestId ?? null}::text`.as('request_id'),
        ]),
    )
    .executeTakeFirst();
  // An action by an account that does not exist must not go unlogged: fail the change with it.
  if (result.numInsertedOrUpdatedRows !== 1n) throw new Error(`audit: no account ${actor.userId}`);
}

export async function listAudit(db: Kysely<Database>, query: AuditQuery): Promise<AuditRow[]> {
  let q = db.selectFrom('audit_log').selectAll();
  if (query.theaterId) q = q.where('theater_id', '=', query.theaterId);
  if (query.subjectType) q = q.where('subject_type', '=', query.subjectType);
  if (query.subjectId) q = q.where('subject_id', '=', query.subjectId);
  if (query.actorId) q = q.where('actor_id', '=', query.actorId);
  if (query.action) q = q.where('action', '=', query.action);
  if (query.after) {
    const { at, id } = query.after;
    q = q.where(sql<boolean>`(at, id) < (${at}, ${id}::uuid)`);
  }
  return await q.orderBy('at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
}
