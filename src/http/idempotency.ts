import { createHash } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import type { Database } from '../db/schema.js';
import { DomainError } from './errors.js';
import { domainErrorBody } from './error-handler.js';

const KEY_TTL_HOURS = 24;
/** An in-progress key older than this belonged to a process that died; the next request may take it over. */
const STALE_LOCK_SECONDS = 120;

export class IdempotencyKeyReusedError extends DomainError {
  override name = 'IdempotencyKeyReusedError';
  constructor() {
    super(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used for a different request');
  }
}

export class IdempotencyInProgressError extends DomainError {
  override name = 'IdempotencyInProgressError';
  constructor() {
    super(
      409,
      'IDEMPOTENCY_REQUEST_IN_PROGRESS',
      'A request with this Idempotency-Key is still being processed',
      {},
      {
        'retry-after': '1',
      },
    );
  }
}

function requestHash(req: FastifyRequest): string {
  return createHash('sha256')
    .update(`${req.method} ${req.url.split('?')[0] ?? ''}\n${JSON.stringify(req.body ?? null)}`)
    .digest('hex');
}

/**
 * Stores a key's outcome inside the transaction of the business change it describes, so the change and its
 * replayable answer commit together (a crash can never leave one without the other).
 */
export interface IdempotencyRecorder {
  record(trx: Transaction<Database>, status: number, body: unknown): Promise<void>;
  recordError(trx: Transaction<Database>, err: DomainError): Promise<void>;
}

/**
 * Idempotency keys as card processors do them: the final outcome for (user, key) is stored and replayed for
 * 24 h; the same key with another body is refused (422); a concurrent duplicate gets 409. Only outcomes of a
 * business change are stored (a hold, a payment's success or decline), written by the service in that change's
 * transaction through the recorder. Conflicts and "try again" answers (409, 5xx) are not stored: the retry runs
 * again, and the gateway key of each payment attempt makes that safe.
 */
export async function withIdempotency<T>(
  ctx: AppContext,
  req: FastifyRequest,
  reply: FastifyReply,
  userId: string,
  successStatus: number,
  run: (recorder: IdempotencyRecorder | undefined) => Promise<T>,
): Promise<T | FastifyReply> {
  const header = req.headers['idempotency-key'];
  if (header === undefined) return run(undefined);
  const key = Array.isArray(header) ? header[0] : header;
  if (!key || key.length > 255) {
    throw new DomainError(400, 'VALIDATION_FAILED', 'Idempotency-Key must be 1 to 255 characters', {
      fields: [{ field: 'headers.idempotency-key', message: 'must be 1 to 255 characters' }],
    });
  }
  const hash = requestHash(req);
  const { db } = ctx;

  const claimed = await db
    .insertInto('idempotency_keys')
    .values({
      user_id: userId,
      key,
      request_hash: hash,
      status: 'in_progress',
      expires_at: sql<Date>`now() + make_interval(hours => ${KEY_TTL_HOURS})`,
    })
    .onConflict((oc) =>
      // An expired record, or an in-progress one abandoned by a dead process, is taken over.
      oc
        .columns(['user_id', 'key'])
        .doUpdateSet({
          request_hash: hash,
          status: 'in_progress',
          response_status: null,
          response_body: null,
          locked_at: sql<Date>`now()`,
          expires_at: sql<Date>`now() + make_interval(hours => ${KEY_TTL_HOURS})`,
        })
        .where((eb) =>
          eb.or([
            eb('idempotency_keys.expires_at', '<', sql<Date>`now()`),
            eb.and([
              eb('idempotency_keys.status', '=', 'in_progress'),
              eb('idempotency_keys.request_hash', '=', hash),
              eb(
                'idempotency_keys.locked_at',
                '<',
                sql<Date>`now() - make_interval(secs => ${STALE_LOCK_SECONDS})`,
              ),
            ]),
          ]),
        ),
    )
    .returning('key')
    .executeTakeFirst();

  if (!claimed) {
    const existing = await db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('user_id', '=', userId)
      .where('key', '=', key)
      .executeTakeFirstOrThrow();
    if (existing.request_hash !== hash) throw new IdempotencyKeyReusedError();
    if (existing.status === 'in_progress') throw new IdempotencyInProgressError();
    return reply
      .status(existing.response_status ?? 200)
      .header('idempotent-replayed', 'true')
      .type('application/json; charset=utf-8')
      .send(existing.response_body);
  }

  const complete = (q: typeof db | Transaction<Database>, status: number, body: unknown) =>
    q
      .updateTable('idempotency_keys')
      .set({ status: 'completed', response_status: status, response_body: JSON.stringify(body) })
      .where('user_id', '=', userId)
      .where('key', '=', key)
      .where('status', '=', 'in_progress')
      .execute();
  // Set once the business transaction was handed the outcome; it commits or the request fails with it.
  let recorded = false;
  const recorder: IdempotencyRecorder = {
    record: async (trx, status, body) => {
      await complete(trx, status, body);
      recorded = true;
    },
    recordError: async (trx, err) => {
      await complete(trx, err.status, domainErrorBody(err));
      recorded = true;
    },
  };

  try {
    const result = await run(recorder);
    // A path whose outcome changed nothing in this request (e.g. a payment settled meanwhile by the sweep)
    // did not record in a transaction; its answer is stored now. (A no-op when it did: the row is completed.)
    if (!recorded) await complete(db, successStatus, result);
    return result;
  } catch (err) {
    // Anything not recorded by the business transaction is forgotten: the same key runs again.
    await db
      .deleteFrom('idempotency_keys')
      .where('user_id', '=', userId)
      .where('key', '=', key)
      .where('status', '=', 'in_progress')
      .execute()
      .catch(() => undefined); // the database may be the reason we failed; the stale lock expires anyway
    throw err;
  }
}
