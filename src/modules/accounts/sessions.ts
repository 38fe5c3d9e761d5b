import type { Db } from '../../db/database.js';
import { AccountsRepository, type SessionState } from './accounts.repository.js';

const MAX_ENTRIES = 50_000;

/**
 * The current role and token version of users, as every authenticated request checks them. A short per-process
 * cache keeps hot paths off the database; its TTL bounds how long another process may still honour a revoked
 * token or an old role (this process forgets a user at once when it makes the change itself).
 */
export class UserSessions {
  private readonly repo: AccountsRepository;
  private readonly cache = new Map<
    string,
    { at: number; state: Promise<SessionState | undefined>; settled?: { state: SessionState | undefined } }
  >();

  constructor(
    db: Db,
    private readonly ttlMs: number,
  ) {
    this.repo = new AccountsRepository(db);
  }

  /** The user's current state, or undefined when the account no longer exists. */
  async lookup(userId: string): Promise<SessionState | undefined> {
    if (this.ttlMs <= 0) return this.repo.findSessionState(userId);
    // Monotonic: a wall-clock jump must not make entries live forever.
    const now = performance.now();
    const cached = this.cache.get(userId);
    if (cached && now - cached.at < this.ttlMs) return cached.state;
    // Concurrent requests of one user share one query; a failed query is not remembered.
    const state = this.repo.findSessionState(userId);
    this.cache.delete(userId);
    if (this.cache.size >= MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    const entry: { at: number; state: typeof state; settled?: { state: SessionState | undefined } } = {
      at: now,
      state,
    };
    this.cache.set(userId, entry);
    state.then(
      (value) => {
        entry.settled = { state: value };
      },
      () => {
        if (this.cache.get(userId) === entry) this.cache.delete(userId);
      },
    );
    return state;
  }

  /**
   * What `lookup` would answer from the cache, without a promise (every signed-in request asks); undefined
   * when it would have to ask the database, or is still asking.
   */
  peek(userId: string): { state: SessionState | undefined } | undefined {
    if (this.ttlMs <= 0) return undefined;
    const cached = this.cache.get(userId);
    return cached?.settled && performance.now() - cached.at < this.ttlMs ? cached.settled : undefined;
  }

  forget(userId: string): void {
    this.cache.delete(userId);
  }
}
