import type { AppContext } from '../../context.js';
import { ValidationError } from '../../http/errors.js';
import { listAudit, type AuditRow } from './audit.repository.js';
import type { AuditEntry, AuditListResponse, AuditQuery } from './audit.schemas.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function toEntry(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    at: row.at.toISOString(),
    actor: { id: row.actor_id, email: row.actor_email },
    action: row.action,
    subjectType: row.subject_type,
    subjectId: row.subject_id,
    theaterId: row.theater_id,
    before: row.before ?? null,
    after: row.after ?? null,
    reason: row.reason,
    requestId: row.request_id,
  };
}

function encodeCursor(row: AuditRow): string {
  return Buffer.from(`${row.at.toISOString()}|${row.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { at: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const date = new Date(at ?? '');
  if (!id || !UUID.test(id) || Number.isNaN(date.getTime())) {
    throw new ValidationError('Invalid request: querystring.cursor is not a cursor this API gave out', {
      fields: [{ field: 'querystring.cursor', message: 'is not a cursor this API gave out' }],
    });
  }
  return { at: date, id };
}

/** The operator actions log, newest first (docs/api.md, audit log). Writing is recordAudit's. */
export class AuditService {
  constructor(private readonly ctx: AppContext) {}

  async list(query: AuditQuery): Promise<AuditListResponse> {
    const limit = query.limit ?? 50;
    const rows = await listAudit(this.ctx.db, {
      theaterId: query.theaterId,
      subjectType: query.subjectType,
      subjectId: query.subjectId,
      actorId: query.actorId,
      action: query.action,
      after: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      entries: page.map(toEntry),
      nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
    };
  }
}
