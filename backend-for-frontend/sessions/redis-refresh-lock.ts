/**
 * The refresh lock of several BFF instances sharing a Redis session store (see refresh-lock.ts for
 * why a refresh must be single-flight, and the lessons of oauth2-proxy this lock follows).
 */
import { randomBytes } from 'node:crypto';
import { BffError } from '../errors.js';
import type { ReleaseLock, RefreshLock } from './refresh-lock.js';
import type { RedisClient } from './redis-store.js';

/**
 * Runs one command on the store's client: waits for a connection in progress and turns failures
 * into `session_store_unavailable` errors, like every other store call.
 */
export type SendRedisCommand = <T>(command: (client: RedisClient) => Promise<T>) => Promise<T>;

export interface RedisRefreshLockOptions {
  /** Key prefix shared with the session store. */
  prefix: string;
  /** How long the lock lives without renewal: how long a crashed holder blocks the session. */
  leaseMs?: number;
  /** How long a waiter waits for the holder before giving up with `bank_timeout`. */
  waitMs?: number;
  /** Called once when renewal stops because the lock is gone or unreachable for a whole lease. */
  onLeaseLost?: (sessionId: string, error?: unknown) => void;
}

/** 10 s, oauth2-proxy's default after PR #1580: far above a refresh, short after a crash. */
export const DEFAULT_LEASE_MS = 10_000;
const FIRST_POLL_MS = 5;
const MAX_POLL_MS = 100;

/** Extends the lease only if the caller still owns the lock. */
const RENEW_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;

/** Deletes the lock only if the caller still owns it: never someone else's lock after expiry. */
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/**
 * The Redis lock (the single-instance pattern of redis.io "Distributed Locks with Redis"): `SET
 * key owner NX PX lease` with a random owner token, renewed every third of the lease while held,
 * released by a compare-and-delete script. Waiters poll with a capped exponential backoff: the
 * service's promise map leaves at most one waiter per instance and session, so polling costs a
 * handful of round trips where pub/sub would need a dedicated connection per instance.
 */
export class RedisRefreshLock implements RefreshLock {
  readonly #send: SendRedisCommand;
  readonly #prefix: string;
  readonly #leaseMs: number;
  readonly #waitMs: number;
  readonly #onLeaseLost: (sessionId: string, error?: unknown) => void;

  constructor(send: SendRedisCommand, options: RedisRefreshLockOptions) {
    this.#send = send;
    this.#prefix = options.prefix;
    this.#leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.#waitMs = options.waitMs ?? this.#leaseMs + 1_000;
    this.#onLeaseLost = options.onLeaseLost ?? (() => {});
    if (this.#leaseMs < 30) throw new TypeError('the lease must be at least 30 ms');
  }

  #key(sessionId: string): string {
    return `${this.#prefix}refresh-lock:${sessionId}`;
  }

  async acquire(sessionId: string): Promise<ReleaseLock> {
    const key = this.#key(sessionId);
    const owner = randomBytes(16).toString('base64url');
    const deadline = Date.now() + this.#waitMs;
    let pause = FIRST_POLL_MS;
    for (;;) {
      const taken = await this.#send((client) =>
        client.set(key, owner, {
          condition: 'NX',
          expiration: { type: 'PX', value: this.#leaseMs },
        }),
      );
      if (taken === 'OK') break;
      if (Date.now() + pause > deadline) {
        throw new BffError('bank_timeout', 'another instance is still refreshing this session');
      }
      // Jitter so that the waiters of several instances do not poll in step.
      await new Promise((resolve) => setTimeout(resolve, pause * (0.5 + Math.random() / 2)));
      pause = Math.min(pause * 2, MAX_POLL_MS);
    }
    let renewedAt = Date.now();
    let released = false;
    const stopRenewing = (error?: unknown) => {
      clearInterval(renewal);
      // A renewal that crossed the release finds the lock gone: that is no lost lease.
      if (!released) this.#onLeaseLost(sessionId, error);
    };
    const renew = () => {
      this.#send((client) =>
        client.eval(RENEW_SCRIPT, { keys: [key], arguments: [owner, String(this.#leaseMs)] }),
      ).then(
        (renewed) => {
          if (renewed === 1) renewedAt = Date.now();
          else stopRenewing();
        },
        (error: unknown) => {
          // A blip shorter than the lease costs nothing; past the lease the lock is gone anyway.
          if (Date.now() - renewedAt >= this.#leaseMs) stopRenewing(error);
        },
      );
    };
    const renewal = setInterval(renew, Math.floor(this.#leaseMs / 3));
    renewal.unref();
    return async () => {
      if (released) return;
      released = true;
      clearInterval(renewal);
      // A failed release is harmless: the lease ends the lock a few seconds later.
      await this.#send((client) =>
        client.eval(RELEASE_SCRIPT, { keys: [key], arguments: [owner] }),
      ).catch(() => undefined);
    };
  }
}
