import PgBoss from 'pg-boss';
import { CompiledQuery, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import { isDatabaseUnavailable, PG, pgErrorCode } from '../db/database.js';

/** Every queue Matinee uses, in one place. Jobs are idempotent: running one twice changes nothing more. */
export const QUEUES = {
  expireHold: 'expire-hold',
  sweepHolds: 'sweep-holds',
  deliverNotification: 'deliver-notification',
  /** Dead letters of deliver-notification: a job that ran out of retries (even by a crash) marks its row failed. */
  notificationFailed: 'notification-failed',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/**
 * A job that stays active longer than this is failed by maintenance and retried, so work held by a worker
 * that was SIGKILLed is picked up again within JOB_EXPIRE_SECONDS + MAINTENANCE_INTERVAL_SECONDS (< 2 min).
 */
export const JOB_EXPIRE_SECONDS = 60;
export const MAINTENANCE_INTERVAL_SECONDS = 30;

export interface JobQueueOptions {
  databaseUrl: string;
  logger: Logger;
  /** Workers supervise (expire stuck jobs) and run schedules; an API-only process just sends. */
  role: 'api' | 'worker';
}

/** pg-boss in our PostgreSQL: jobs are rows, so they can be sent inside the business transaction. */
export class JobQueue {
  readonly boss: PgBoss;
  private started = false;

  constructor(private readonly opts: JobQueueOptions) {
    this.boss = new PgBoss({
      connectionString: opts.databaseUrl,
      schema: 'pgboss',
      application_name: 'matinee-jobs',
      max: opts.role === 'worker' ? 6 : 2,
      supervise: opts.role === 'worker',
      schedule: opts.role === 'worker',
      migrate: true,
      maintenanceIntervalSeconds: MAINTENANCE_INTERVAL_SECONDS,
    });
    // pg-boss reports every failed poll here and keeps polling; while the database is down that is expected.
    this.boss.on('error', (err) => {
      if (isDatabaseUnavailable(err)) opts.logger.warn({ err }, 'job queue: database unavailable');
      else opts.logger.error({ err }, 'job queue error');
    });
  }

  async start(): Promise<void> {
    if (this.started) return;
    await this.boss.start();
    for (const name of Object.values(QUEUES)) {
      // Processes starting together (npm run start:cluster, a deploy) create the same queues at once, and
      // pg-boss's create_queue can deadlock against itself then: the loser tries again.
      for (let attempt = 1; ; attempt++) {
        try {
          await this.boss.createQueue(name, {
            name,
            expireInSeconds: JOB_EXPIRE_SECONDS,
            // Queue defaults; notification jobs carry their own schedule (NOTIFICATION_RETRY_* in config).
            retryLimit: 10,
            retryDelay: 5,
            retryBackoff: true,
            retentionDays: 7,
          });
          break;
        } catch (err) {
          const code = pgErrorCode(err);
          if (attempt >= 5 || (code !== PG.deadlockDetected && code !== PG.uniqueViolation)) throw err;
          await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 200 * attempt));
        }
      }
    }
    this.started = true;
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.boss.stop({ graceful: true, timeout: 10_000, wait: true });
  }

  /** Sends a job inside a Kysely transaction: it exists if and only if the transaction commits. */
  async sendInTransaction<T extends object>(
    trx: Pick<Kysely<object>, 'executeQuery'>,
    name: QueueName,
    data: T,
    options: PgBoss.SendOptions = {},
  ): Promise<string | null> {
    const db: PgBoss.Db = {
      executeSql: async (text, values) => {
        const result = await trx.executeQuery(CompiledQuery.raw(text, values as unknown[]));
        return { rows: result.rows };
      },
    };
    return this.boss.send(name, data, { ...options, db });
  }

  /**
   * Queues one job per payload in one INSERT (one round trip however many), on pg-boss's own connections, or
   * inside a Kysely transaction when `trx` is given (then they exist if and only if it commits).
   */
  async sendMany<T extends object>(
    name: QueueName,
    data: T[],
    options: Pick<
      PgBoss.SendOptions,
      'retryLimit' | 'retryDelay' | 'retryBackoff' | 'expireInSeconds' | 'deadLetter'
    > = {},
    trx?: Pick<Kysely<object>, 'executeQuery'>,
  ): Promise<void> {
    if (data.length === 0) return;
    const jobs: PgBoss.JobInsert[] = data.map((d) => ({ name, data: d, ...options }));
    if (!trx) return this.boss.insert(jobs);
    const db: PgBoss.Db = {
      executeSql: async (text, values) => {
        const result = await trx.executeQuery(CompiledQuery.raw(text, values as unknown[]));
        return { rows: result.rows };
      },
    };
    return this.boss.insert(jobs, { db });
  }

  async send<T extends object>(
    name: QueueName,
    data: T,
    options: PgBoss.SendOptions = {},
  ): Promise<string | null> {
    return this.boss.send(name, data, options);
  }
}
