import { Kysely, Migrator, PostgresDialect, sql, type PostgresPool, type RawBuilder } from 'kysely';
import pg from 'pg';
import type { Transaction } from 'kysely';
import type { Database } from './schema.js';
import { migrationProvider } from './migrations/index.js';

// Return bigint (count(*)) as number and numeric as number: all our amounts fit comfortably.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number.parseFloat(v));

export type Db = Kysely<Database>;

export interface DbOptions {
  max?: number;
  /** ms; a runaway query is cancelled instead of holding a connection forever */
  statementTimeoutMs?: number;
  /** ms; waiting on a row lock longer than this fails fast instead of piling up */
  lockTimeoutMs?: number;
  /** ms; connecting (or waiting for a free pooled connection) longer than this fails the request with a 503 */
  connectionTimeoutMs?: number;
}

export function createPool(url: string, opts: DbOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 20,
    idleTimeoutMillis: 30_000,
    // A healthy server accepts in milliseconds; during an outage a request should fail fast rather than wait.
    connectionTimeoutMillis: opts.connectionTimeoutMs ?? 5_000,
    // Notices a connection the network silently dropped instead of waiting on it forever.
    keepAlive: true,
    // plan_cache_mode: see executePrepared. It applies only to named prepared statements (Kysely's own queries
    // are unnamed and always planned for their values).
    options: `-c statement_timeout=${opts.statementTimeoutMs ?? 10_000} -c lock_timeout=${opts.lockTimeoutMs ?? 5_000} -c timezone=UTC -c plan_cache_mode=force_generic_plan`,
    application_name: 'matinee',
  });
  // An idle client losing its connection (server restart) must not crash the process.
  pool.on('error', () => undefined);
  // Nor may a checked-out one: pg-pool listens for 'error' only while a client is idle, and a client in the
  // middle of a transaction emits it when the server goes away. The query in flight rejects on its own, and
  // the pool discards the broken client when it is released.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
    sendPreparedByName(client);
  });
  return pool;
}

/** SQL texts of the hot statements (see executePrepared), each with its prepared statement's name. */
const PREPARED = new Map<string, string>();
const MAX_PREPARED = 64;

/**
 * Runs one of the hot path's statements as a named prepared statement: each connection parses and plans it
 * once (PostgreSQL then reuses the plan, or re-plans when a migration changed a table), instead of on every
 * request. For statements whose text is fixed (parameters, never spliced values); others run as usual.
 * The pool's connections run with plan_cache_mode=force_generic_plan: under the default (auto) PostgreSQL
 * compared the generic plan's estimate with its custom plans' and kept re-planning the hold statement at every
 * call (2-3 ms of CPU per hold, more than running it), so "prepared" saved nothing. Their generic plans use
 * the same primary-key and (user, showtime) index paths (test/prepared-plans.test.ts).
 */
export function executePrepared<R>(db: Kysely<Database> | Transaction<Database>, query: RawBuilder<R>) {
  const compiled = query.compile(db);
  if (!PREPARED.has(compiled.sql) && PREPARED.size < MAX_PREPARED) {
    PREPARED.set(compiled.sql, `mt_${PREPARED.size + 1}`);
  }
  return db.executeQuery<R>(compiled);
}

/** Kysely sends (text, values); a registered text goes out as { name, text, values }, parsed once per connection. */
function sendPreparedByName(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const [text, values] = args;
    const name = typeof text === 'string' && args.length === 2 ? PREPARED.get(text) : undefined;
    return name ? query({ name, text, values }) : query(...args);
  };
}

/** A Kysely over a pg pool, or over one lane of the app pool's gate (PoolGate). */
export function createDb(pool: pg.Pool | PostgresPool): Db {
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

export async function migrateToLatest<DB>(db: Kysely<DB>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(JSON.stringify(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

export async function pingDb<DB>(db: Kysely<DB>): Promise<boolean> {
  try {
    await sql`SELECT 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}

/** Postgres error codes we translate into domain errors. */
export const PG = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  checkViolation: '23514',
  exclusionViolation: '23P01',
  lockNotAvailable: '55P03',
  queryCanceled: '57014',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
} as const;

export function pgErrorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string')
    return err.code;
  return undefined;
}

/** Connection-level failures: the server is down, restarting, refusing connections or dropped ours. */
const UNAVAILABLE_CODES = new Set(['57P01', '57P02', '57P03', '53300']);
const UNAVAILABLE_MESSAGES = new Set([
  'Connection terminated unexpectedly',
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Connection terminated due to connection timeout',
]);
// Node puts a socket's errno name in `code`.
const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE']);

/**
 * True when a query failed because the database could not be reached (not because of the query): the
 * request may be retried once the database is back, so it answers 503 rather than 500.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = pgErrorCode(err);
  if (code !== undefined) {
    return UNAVAILABLE_CODES.has(code) || code.startsWith('08') || UNAVAILABLE_ERRNOS.has(code);
  }
  const errno = (err as { errno?: unknown }).errno;
  if (typeof errno === 'string' && UNAVAILABLE_ERRNOS.has(errno)) return true;
  // Connecting to a name with several addresses fails with an AggregateError of the per-address errors.
  if (err instanceof AggregateError && err.errors.some((e) => isDatabaseUnavailable(e))) return true;
  return err instanceof Error && UNAVAILABLE_MESSAGES.has(err.message);
}

export function pgConstraint(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'constraint' in err && typeof err.constraint === 'string') {
    return err.constraint;
  }
  return undefined;
}
