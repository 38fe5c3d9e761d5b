import type { PostgresPool, PostgresPoolClient } from 'kysely';
import type pg from 'pg';

/** Which queue a checkout waits in when every connection is busy. */
export type Lane = 'payment' | 'default';

interface Waiter {
  grant(): void;
  timer: NodeJS.Timeout;
}

/**
 * The app pool's checkouts in two queues. At an on-sale every connection is busy and the requests waiting for
 * one are mostly the crowd's holds, most of them refused; a customer paying for the seats they hold (three
 * waits: the attempt, the gateway, the confirmation, with their hold's clock running) waited behind all of
 * them at each step. A connection that comes free goes to the longest-waiting payment checkout first, then to
 * everyone else in arrival order. Nothing else changes: the same connections (so PostgreSQL runs no more
 * statements at once than before), the same statements and transactions, and a checkout waiting longer than
 * `timeoutMs` fails as pg-pool's own wait does (a 503, `isDatabaseUnavailable`).
 *
 * The gate hands out at most `max` checkouts, the pool's own size: pg-pool then never queues a gate checkout
 * (code that checks connections out of the pool directly, as some tests do, still waits in pg-pool's queue).
 */
export class PoolGate {
  private free: number;
  private readonly queues: Record<Lane, Waiter[]> = { payment: [], default: [] };

  constructor(
    private readonly pool: pg.Pool,
    private readonly opts: {
      max: number;
      timeoutMs: number;
      /** Seconds each checkout waited for its connection (metrics). */
      observeWait?: (seconds: number) => void;
    },
  ) {
    this.free = opts.max;
  }

  /** Checkouts waiting at the gate. */
  get waiting(): number {
    return this.queues.payment.length + this.queues.default.length;
  }

  /** A pool for Kysely whose checkouts wait in `lane`. Ending it ends nothing: the pool's owner ends the pool. */
  lane(lane: Lane): PostgresPool {
    return {
      connect: () => this.connect(lane),
      end: () => Promise.resolve(),
    };
  }

  async connect(lane: Lane): Promise<PostgresPoolClient> {
    const started = performance.now();
    if (this.free > 0 && this.waiting === 0) this.free--;
    else await this.enqueue(lane);
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      this.handBack();
      throw err;
    }
    this.opts.observeWait?.((performance.now() - started) / 1000);
    // pg-pool gives the client a fresh release() at every checkout; ours hands the place back once with it.
    const release = client.release.bind(client);
    let released = false;
    client.release = (err?: Error | boolean) => {
      release(err);
      if (released) return;
      released = true;
      this.handBack();
    };
    return client;
  }

  private enqueue(lane: Lane): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const queue = this.queues[lane];
      const waiter: Waiter = {
        grant: () => {
          clearTimeout(waiter.timer);
          resolve();
        },
        timer: setTimeout(() => {
          const at = queue.indexOf(waiter);
          if (at >= 0) queue.splice(at, 1);
          // pg-pool's own words for this, which isDatabaseUnavailable() turns into a 503.
          reject(new Error('timeout exceeded when trying to connect'));
        }, this.opts.timeoutMs),
      };
      queue.push(waiter);
    });
  }

  /** A place came free: to the first payment checkout waiting, else the first other one, else it stays free. */
  private handBack(): void {
    const next = this.queues.payment.shift() ?? this.queues.default.shift();
    if (next) next.grant();
    else this.free++;
  }
}
