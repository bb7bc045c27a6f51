/**
 * What the partner-server API keeps beside the sessions, in the same store so that every instance
 * shares it and a restart loses none of it:
 * - the reads made without the customer, per session and bank resource, over a rolling 24 hours
 *   (PSD2 RTS art. 36(5): at most four), counted atomically so that concurrent reads on several
 *   instances can never send a fifth to the bank;
 * - the last answer of each read, sealed by the caller like tokens, with the time it was read.
 */
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { RedisClient } from './redis-store.js';

export interface ReadBudget {
  limit: number;
  remaining: number;
  /** When the oldest counted read leaves the window; null when none is counted. */
  resetsAt: number | null;
}

export interface SyncCacheEntry {
  /** The answer, sealed to the session and the read (sealing.ts). */
  sealed: string;
  /** When it was read from the bank. */
  asOf: number;
}

export interface SyncStore {
  /**
   * Counts a read of `resource` at `now` if fewer than `limit` are counted in the `windowMs`
   * before; answers whether it was counted, and the budget after.
   */
  reserveRead(
    sessionId: string,
    resource: string,
    now: number,
    limit: number,
    windowMs: number,
  ): Promise<ReadBudget & { granted: boolean }>;
  /** The budget of `resource` at `now`, counting nothing. */
  readBudget(
    sessionId: string,
    resource: string,
    now: number,
    limit: number,
    windowMs: number,
  ): Promise<ReadBudget>;
  /** Keeps `entry` as the answer of `key`, unless a more recent answer is kept already. */
  putCache(sessionId: string, key: string, entry: SyncCacheEntry, expiresAt: number): Promise<void>;
  getCache(sessionId: string, key: string): Promise<SyncCacheEntry | undefined>;
  /** Forgets everything kept for a session (it was deleted). */
  forgetSession(sessionId: string): Promise<void>;
}

function toBudget(count: number, oldest: number | undefined, limit: number, windowMs: number) {
  return {
    limit,
    remaining: Math.max(0, limit - count),
    resetsAt: oldest === undefined ? null : oldest + windowMs,
  };
}

const SQLITE_SCHEMA = `
CREATE TABLE IF NOT EXISTS unattended_reads (
  sessionId TEXT NOT NULL,
  resource TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS unattended_reads_key ON unattended_reads (sessionId, resource, at);
CREATE TABLE IF NOT EXISTS sync_cache (
  sessionId TEXT NOT NULL,
  key TEXT NOT NULL,
  sealed TEXT NOT NULL,
  asOf INTEGER NOT NULL,
  expiresAt INTEGER NOT NULL,
  PRIMARY KEY (sessionId, key)
);
CREATE INDEX IF NOT EXISTS sync_cache_expiry ON sync_cache (expiresAt);
`;

/** The SQLite form: one instance, so a transaction is enough to count atomically. */
export class SqliteSyncStore implements SyncStore {
  readonly #statements;
  readonly #reserve: (
    sessionId: string,
    resource: string,
    now: number,
    limit: number,
    windowMs: number,
  ) => ReadBudget & { granted: boolean };

  constructor(db: Database.Database) {
    db.exec(SQLITE_SCHEMA);
    const statements = {
      forgetOld: db.prepare(
        'DELETE FROM unattended_reads WHERE sessionId = ? AND resource = ? AND at <= ?',
      ),
      count: db.prepare(
        'SELECT COUNT(*) AS count, MIN(at) AS oldest FROM unattended_reads WHERE sessionId = ? AND resource = ? AND at > ? AND at <= ?',
      ),
      insertRead: db.prepare(
        'INSERT INTO unattended_reads (sessionId, resource, at) VALUES (?, ?, ?)',
      ),
      putCache: db.prepare(
        `INSERT INTO sync_cache (sessionId, key, sealed, asOf, expiresAt) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (sessionId, key) DO UPDATE SET sealed = excluded.sealed, asOf = excluded.asOf,
           expiresAt = excluded.expiresAt
         WHERE excluded.asOf >= sync_cache.asOf`,
      ),
      getCache: db.prepare('SELECT sealed, asOf FROM sync_cache WHERE sessionId = ? AND key = ?'),
      forgetReads: db.prepare('DELETE FROM unattended_reads WHERE sessionId = ?'),
      forgetCache: db.prepare('DELETE FROM sync_cache WHERE sessionId = ?'),
      purgeCache: db.prepare('DELETE FROM sync_cache WHERE expiresAt < ?'),
      purgeReads: db.prepare('DELETE FROM unattended_reads WHERE at < ?'),
    };
    this.#statements = statements;
    this.#reserve = db.transaction(
      (sessionId: string, resource: string, now: number, limit: number, windowMs: number) => {
        statements.forgetOld.run(sessionId, resource, now - windowMs);
        const { count, oldest } = statements.count.get(
          sessionId,
          resource,
          now - windowMs,
          now,
        ) as {
          count: number;
          oldest: number | null;
        };
        if (count >= limit) {
          return { granted: false, ...toBudget(count, oldest ?? undefined, limit, windowMs) };
        }
        statements.insertRead.run(sessionId, resource, now);
        return { granted: true, ...toBudget(count + 1, oldest ?? now, limit, windowMs) };
      },
    );
  }

  reserveRead(sessionId: string, resource: string, now: number, limit: number, windowMs: number) {
    return Promise.resolve(this.#reserve(sessionId, resource, now, limit, windowMs));
  }

  readBudget(sessionId: string, resource: string, now: number, limit: number, windowMs: number) {
    const { count, oldest } = this.#statements.count.get(
      sessionId,
      resource,
      now - windowMs,
      now,
    ) as { count: number; oldest: number | null };
    return Promise.resolve(toBudget(count, oldest ?? undefined, limit, windowMs));
  }

  putCache(sessionId: string, key: string, entry: SyncCacheEntry, expiresAt: number) {
    this.#statements.putCache.run(sessionId, key, entry.sealed, entry.asOf, expiresAt);
    return Promise.resolve();
  }

  getCache(sessionId: string, key: string) {
    return Promise.resolve(
      this.#statements.getCache.get(sessionId, key) as SyncCacheEntry | undefined,
    );
  }

  forgetSession(sessionId: string) {
    this.#statements.forgetReads.run(sessionId);
    this.#statements.forgetCache.run(sessionId);
    return Promise.resolve();
  }

  /** Drops cached answers past their expiry and counted reads older than `windowMs`. */
  purge(now: number, windowMs: number): void {
    this.#statements.purgeCache.run(now);
    this.#statements.purgeReads.run(now - windowMs);
  }
}

/**
 * Lua: adds KEYS[n] to the session's index KEYS[i] (what `forgetSession` deletes), and keeps the
 * index at least until `at` (ms).
 */
const INDEX = `
local function index(i, n, at)
  redis.call('SADD', KEYS[i], KEYS[n])
  local rest = redis.call('PTTL', KEYS[i])
  if rest < 0 or rest < at - tonumber(redis.call('TIME')[1]) * 1000 then
    redis.call('PEXPIREAT', KEYS[i], at)
  end
end`;

/**
 * KEYS: the resource's reads (a sorted set by time), the session's index. ARGV: now, window,
 * limit, member, reserve ('1') or only read ('0'). Answers { counted (1/0), count after, oldest
 * or -1 }.
 */
const RESERVE_READ = `${INDEX}
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCOUNT', KEYS[1], '-inf', now)
local granted = 0
if ARGV[5] == '1' and count < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  -- By the Redis server's clock: the counted reads outlive the window however far \`now\` is.
  redis.call('PEXPIRE', KEYS[1], window)
  index(2, 1, tonumber(redis.call('TIME')[1]) * 1000 + window)
  count = count + 1
  granted = 1
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if oldest[2] == nil then return { granted, count, -1 } end
return { granted, count, tonumber(oldest[2]) }`;

/**
 * KEYS: the entry, the session's index of entries. ARGV: sealed, asOf, expire-at (ms). Keeps the
 * more recent answer.
 */
const PUT_CACHE = `${INDEX}
local kept = redis.call('HGET', KEYS[1], 'asOf')
if kept and tonumber(kept) > tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'sealed', ARGV[1], 'asOf', ARGV[2])
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
index(2, 1, tonumber(ARGV[3]))
return 1`;

/** The Redis form: each count is one Lua script, which Redis runs atomically for every instance. */
export class RedisSyncStore implements SyncStore {
  readonly #send: <T>(command: (client: RedisClient) => Promise<T>) => Promise<T>;
  readonly #prefix: string;

  constructor(
    send: <T>(command: (client: RedisClient) => Promise<T>) => Promise<T>,
    prefix: string,
  ) {
    this.#send = send;
    this.#prefix = prefix;
  }

  #readsKey(sessionId: string, resource: string): string {
    return `${this.#prefix}unattended:${sessionId}:${resource}`;
  }

  #cacheKey(sessionId: string, key: string): string {
    return `${this.#prefix}sync:${sessionId}:${key}`;
  }

  #indexKey(sessionId: string): string {
    return `${this.#prefix}sync-index:${sessionId}`;
  }

  async #count(
    sessionId: string,
    resource: string,
    now: number,
    limit: number,
    windowMs: number,
    reserve: boolean,
  ): Promise<ReadBudget & { granted: boolean }> {
    const [granted, count, oldest] = (await this.#send((client) =>
      client.eval(RESERVE_READ, {
        keys: [this.#readsKey(sessionId, resource), this.#indexKey(sessionId)],
        arguments: [
          String(now),
          String(windowMs),
          String(limit),
          `${now}:${randomBytes(6).toString('base64url')}`,
          reserve ? '1' : '0',
        ],
      }),
    )) as [number, number, number];
    return {
      granted: granted === 1,
      ...toBudget(count, oldest < 0 ? undefined : oldest, limit, windowMs),
    };
  }

  reserveRead(sessionId: string, resource: string, now: number, limit: number, windowMs: number) {
    return this.#count(sessionId, resource, now, limit, windowMs, true);
  }

  async readBudget(
    sessionId: string,
    resource: string,
    now: number,
    limit: number,
    windowMs: number,
  ) {
    const {
      limit: max,
      remaining,
      resetsAt,
    } = await this.#count(sessionId, resource, now, limit, windowMs, false);
    return { limit: max, remaining, resetsAt };
  }

  async putCache(sessionId: string, key: string, entry: SyncCacheEntry, expiresAt: number) {
    await this.#send((client) =>
      client.eval(PUT_CACHE, {
        keys: [this.#cacheKey(sessionId, key), this.#indexKey(sessionId)],
        arguments: [entry.sealed, String(entry.asOf), String(expiresAt)],
      }),
    );
  }

  async getCache(sessionId: string, key: string) {
    const hash = await this.#send((client) => client.hGetAll(this.#cacheKey(sessionId, key)));
    return hash.sealed === undefined ? undefined : { sealed: hash.sealed, asOf: Number(hash.asOf) };
  }

  async forgetSession(sessionId: string) {
    const index = this.#indexKey(sessionId);
    const keys = await this.#send((client) => client.sMembers(index));
    await this.#send((client) => client.del([index, ...keys]));
  }
}
