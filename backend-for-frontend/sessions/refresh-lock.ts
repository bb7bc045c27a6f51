/**
 * The per-session refresh lock: at most one token refresh per session at a time, across every
 * BFF instance that shares a session store. This file has the interface and the lock of a single
 * instance; the Redis lock of several instances is in redis-refresh-lock.ts.
 *
 * Banks that rotate refresh tokens treat a rotated-out refresh token coming back as theft and end
 * the consent (RFC 9700 §4.14.2), so two instances refreshing the same session at once log the
 * customer out. oauth2-proxy met the same race with Redis sessions and fixed it with a refresh lock
 * (PRs #1063, #1468), then lengthened its lease (PR #1580) and proposed renewing it while the
 * refresh runs (PR #3456), because an expired lock double-spends the refresh token. This module
 * follows those lessons: a lease renewed while the holder works, released only by its owner, and
 * expiring on its own when the holder crashes.
 */

/** Gives the lock back; resolves once it is released (never rejects). */
export type ReleaseLock = () => Promise<void>;

export interface RefreshLock {
  /**
   * Waits until the caller holds the refresh lock of `sessionId` and returns the function that
   * releases it. Rejects with `bank_timeout` when the current holder keeps it longer than a bank
   * call may last, and with `session_store_unavailable` when the lock cannot be reached.
   */
  acquire(sessionId: string): Promise<ReleaseLock>;
}

/**
 * A keyed mutex within one process: the lock of a single instance (the SQLite default), where the
 * session service's promise map already merges concurrent refreshes.
 */
export class InProcessRefreshLock implements RefreshLock {
  readonly #tails = new Map<string, Promise<void>>();

  async acquire(sessionId: string): Promise<ReleaseLock> {
    const previous = this.#tails.get(sessionId) ?? Promise.resolve();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => released);
    this.#tails.set(sessionId, tail);
    await previous;
    return () => {
      release();
      if (this.#tails.get(sessionId) === tail) this.#tails.delete(sessionId);
      return Promise.resolve();
    };
  }
}
