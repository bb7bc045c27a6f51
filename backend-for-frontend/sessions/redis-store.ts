/**
 * The shared session store for several BFF instances: Redis through node-redis v5, chosen by a
 * `redis://` or `rediss://` (TLS) `BFF_SESSION_STORE` URL.
 *
 * Each flow and session is a hash whose key expires with the record's retention (Redis `PEXPIREAT`
 * does what `purgeExpired` does for SQLite); the state-hash index expires with its flow. Inserts
 * and compare-and-set updates are Lua scripts, which Redis runs atomically (redis.io "Scripting
 * with Lua"), so `transitionFlow` and `updateSession` keep SQLite's semantics exactly. Tokens
 * arrive sealed by the session service: Redis never holds a token in clear.
 *
 * When Redis is unreachable every call fails within a bound with a `SESSION_STORE_UNAVAILABLE`
 * error (the API answers 503 `session_store_unavailable`): the offline queue is disabled, commands
 * time out, and the client reconnects in the background with a capped backoff.
 */
import { createRequire } from 'node:module';
import type { createClient, ErrorReply } from 'redis';
import type { Logger } from 'pino';
import type { BankScope } from '../contract/index.js';
import { BffError } from '../errors.js';
import { DEFAULT_LEASE_MS, RedisRefreshLock } from './redis-refresh-lock.js';
import { RedisSyncStore } from './sync-store.js';
import type { RefreshLock } from './refresh-lock.js';
import {
  FLOW_RETENTION_MS,
  SESSION_RETENTION_AFTER_CONSENT_MS,
  type FlowRecord,
  type FlowStatus,
  type HitCounter,
  type SessionPatch,
  type SessionRecord,
  type SessionStore,
} from './store.js';

export type RedisClient = ReturnType<typeof createClient>;

interface RedisModule {
  createClient: typeof createClient;
  ErrorReply: typeof ErrorReply;
}

let redisModule: RedisModule | undefined;

/**
 * The `redis` package, loaded the first time a Redis store is opened: it is an optional peer of
 * `@bank-connect/bff`, so that a BFF on SQLite neither installs nor loads it.
 */
function loadRedis(): RedisModule {
  try {
    redisModule ??= createRequire(import.meta.url)('redis') as RedisModule;
  } catch (error) {
    throw new Error(
      'BFF_SESSION_STORE names a Redis server, but the redis package is not installed: npm install redis',
      { cause: error },
    );
  }
  return redisModule;
}

export interface RedisSessionStoreOptions {
  /** Prefix of every key, so that one Redis can serve several deployments. */
  prefix?: string;
  logger?: Pick<Logger, 'info' | 'warn'>;
  /** How long one command may take before the store is declared unavailable. */
  commandTimeoutMs?: number;
  /** How long a call waits for a (re)connection in progress before giving up. */
  readyWaitMs?: number;
  /** The refresh lock's lease: how long a crashed holder blocks its session's refresh. */
  lockLeaseMs?: number;
  /** How long a refresh waits for another instance's refresh of the same session. */
  lockWaitMs?: number;
}

const DEFAULT_PREFIX = 'bank-connect:';
const COMMAND_TIMEOUT_MS = 1_000;
const READY_WAIT_MS = 500;
const MAX_RECONNECT_DELAY_MS = 2_000;
/** Server replies that mean "cannot serve now", as opposed to a bug in a command. */
const UNAVAILABLE_REPLY = /^(LOADING|BUSY|OOM|MISCONF|READONLY|MASTERDOWN|NOAUTH|TRYAGAIN)\b/;

/** KEYS: flow, state index. ARGV: expire-at (ms), flow id, then field/value pairs. */
const INSERT_FLOW = `
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('PEXPIREAT', KEYS[2], ARGV[1])
return 1`;

/** KEYS: flow. ARGV: from, to, whether to set the completion ('1'/'0'), completion. */
const TRANSITION_FLOW = `
if redis.call('HGET', KEYS[1], 'status') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[2])
if ARGV[3] == '1' then redis.call('HSET', KEYS[1], 'completion', ARGV[4]) end
return 1`;

/**
 * KEYS: session, the index of session ids. ARGV: expire-at (ms), session id, then field/value
 * pairs.
 */
const INSERT_SESSION = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], 0, ARGV[2])
return 1`;

/**
 * KEYS: session. ARGV: expected version, updatedAt, new expire-at (ms) or '', then field/value
 * pairs. HSET keeps a key's TTL, so the expiry moves only when the consent's end does.
 */
const UPDATE_SESSION = `
local version = redis.call('HGET', KEYS[1], 'version')
if version ~= ARGV[1] then return 0 end
if #ARGV > 3 then redis.call('HSET', KEYS[1], unpack(ARGV, 4)) end
redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[2])
if ARGV[3] ~= '' then redis.call('PEXPIREAT', KEYS[1], ARGV[3]) end
return 1`;

/** The store cannot serve the request now; retrying later can succeed. */
function storeUnavailable(message: string, options: { cause?: unknown } = {}): BffError {
  return new BffError('session_store_unavailable', message, options);
}

/**
 * KEYS: counter. ARGV: window (ms). A fixed window per key that starts with its first hit, as
 * express-rate-limit's own memory store counts: answers the hits so far and the window's rest.
 */
const COUNT_HIT = `
local rest = redis.call('PTTL', KEYS[1])
if rest <= 0 then
  redis.call('SET', KEYS[1], 1, 'PX', ARGV[1])
  return { 1, tonumber(ARGV[1]) }
end
return { redis.call('INCR', KEYS[1]), rest }`;

function toFlow(hash: Record<string, string>): FlowRecord | undefined {
  if (hash.id === undefined) return undefined;
  return {
    id: hash.id,
    stateHash: hash.stateHash ?? '',
    codeChallenge: hash.codeChallenge ?? '',
    aspsp: hash.aspsp ?? '',
    scopes: JSON.parse(hash.scopes ?? '[]') as BankScope[],
    mode: hash.mode as FlowRecord['mode'],
    origin: hash.origin ?? '',
    returnTo: hash.returnTo ?? '',
    createdAt: Number(hash.createdAt),
    expiresAt: Number(hash.expiresAt),
    status: hash.status as FlowStatus,
    sessionId: hash.sessionId ?? null,
    completion: hash.completion ?? null,
  };
}

function fromFlow(flow: FlowRecord): string[] {
  return [
    ...['id', flow.id, 'stateHash', flow.stateHash, 'codeChallenge', flow.codeChallenge],
    ...['aspsp', flow.aspsp, 'scopes', JSON.stringify(flow.scopes), 'mode', flow.mode],
    ...['origin', flow.origin, 'returnTo', flow.returnTo, 'status', flow.status],
    ...['createdAt', String(flow.createdAt), 'expiresAt', String(flow.expiresAt)],
    ...(flow.sessionId === null ? [] : ['sessionId', flow.sessionId]),
    ...(flow.completion === null ? [] : ['completion', flow.completion]),
  ];
}

function toSession(hash: Record<string, string>): SessionRecord | undefined {
  if (hash.id === undefined) return undefined;
  return {
    id: hash.id,
    aspsp: hash.aspsp ?? '',
    scopes: JSON.parse(hash.scopes ?? '[]') as BankScope[],
    tokens: hash.tokens ?? '',
    accessExpiresAt: Number(hash.accessExpiresAt),
    consentExpiresAt: Number(hash.consentExpiresAt),
    status: hash.status as SessionRecord['status'],
    version: Number(hash.version),
    createdAt: Number(hash.createdAt),
    updatedAt: Number(hash.updatedAt),
  };
}

function fromPatch(patch: SessionPatch): string[] {
  return [
    ...(patch.scopes ? ['scopes', JSON.stringify(patch.scopes)] : []),
    ...(patch.tokens !== undefined ? ['tokens', patch.tokens] : []),
    ...(patch.accessExpiresAt !== undefined
      ? ['accessExpiresAt', String(patch.accessExpiresAt)]
      : []),
    ...(patch.consentExpiresAt !== undefined
      ? ['consentExpiresAt', String(patch.consentExpiresAt)]
      : []),
    ...(patch.status !== undefined ? ['status', patch.status] : []),
  ];
}

/** The capped, jittered reconnection delay: fast after a blip, at most 2 s during an outage. */
function computeReconnectDelay(retries: number): number {
  const base = Math.min(50 * 2 ** Math.min(retries, 10), MAX_RECONNECT_DELAY_MS);
  return Math.round(base * (0.75 + Math.random() / 4));
}

export class RedisSessionStore implements SessionStore {
  readonly refreshLock: RefreshLock;
  readonly sync: RedisSyncStore;
  readonly hitCounter: HitCounter = {
    countHit: async (key, windowMs) => {
      const [totalHits, rest] = (await this.#send((client) =>
        client.eval(COUNT_HIT, { keys: [this.#hitKey(key)], arguments: [String(windowMs)] }),
      )) as [number, number];
      return { totalHits, resetTime: new Date(Date.now() + rest) };
    },
    forgetHit: async (key) => {
      await this.#send((client) => client.decr(this.#hitKey(key)));
    },
    resetHits: async (key) => {
      await this.#send((client) => client.del(this.#hitKey(key)));
    },
  };
  readonly #client: RedisClient;
  readonly #prefix: string;
  readonly #readyWaitMs: number;
  readonly #logger: Pick<Logger, 'info' | 'warn'> | undefined;
  #reachable = true;
  #closed = false;
  #nextReady: Promise<void> | undefined;

  constructor(url: string, options: RedisSessionStoreOptions = {}) {
    this.#prefix = options.prefix ?? DEFAULT_PREFIX;
    this.#readyWaitMs = options.readyWaitMs ?? READY_WAIT_MS;
    this.#logger = options.logger;
    this.#client = loadRedis().createClient({
      url,
      // Without this, commands sent while disconnected queue until Redis returns: requests would
      // hang instead of answering 503.
      disableOfflineQueue: true,
      commandOptions: { timeout: options.commandTimeoutMs ?? COMMAND_TIMEOUT_MS },
      socket: {
        connectTimeout: options.commandTimeoutMs ?? COMMAND_TIMEOUT_MS,
        reconnectStrategy: computeReconnectDelay,
      },
    });
    // An unhandled 'error' event would crash the process; log state changes, not every retry.
    this.#client.on('error', (error: Error) => {
      if (!this.#reachable || this.#closed) return;
      this.#reachable = false;
      this.#logger?.warn({ err: error }, 'session store unreachable: reconnecting');
    });
    this.#client.on('ready', () => {
      if (this.#reachable) return;
      this.#reachable = true;
      this.#logger?.info('session store reachable again');
    });
    // Connecting lazily keeps createBankConnectRouter synchronous; calls wait for it briefly.
    this.#client.connect().catch(() => undefined);
    this.refreshLock = new RedisRefreshLock((command) => this.#send(command), {
      prefix: this.#prefix,
      leaseMs: options.lockLeaseMs ?? DEFAULT_LEASE_MS,
      ...(options.lockWaitMs !== undefined ? { waitMs: options.lockWaitMs } : {}),
      onLeaseLost: (_sessionId, error) =>
        this.#logger?.warn({ err: error }, 'a refresh outlived its lock lease'),
    });
    this.sync = new RedisSyncStore((command) => this.#send(command), this.#prefix);
  }

  #flowKey(id: string): string {
    return `${this.#prefix}flow:${id}`;
  }

  #stateKey(stateHash: string): string {
    return `${this.#prefix}flow-state:${stateHash}`;
  }

  #sessionKey(id: string): string {
    return `${this.#prefix}session:${id}`;
  }

  /**
   * The ids of the sessions, for listing in a stable order: a sorted set whose members all score
   * 0, so that it sorts them by id. A session whose hash expired at the end of its retention is
   * removed from it when a listing finds it gone.
   */
  #indexKey(): string {
    return `${this.#prefix}sessions`;
  }

  #hitKey(key: string): string {
    return `${this.#prefix}hits:${key}`;
  }

  /**
   * Waits up to `readyWaitMs` for a connection in progress (the offline queue is disabled). All
   * waiters share one 'ready' listener, however many requests arrive during an outage.
   */
  async #whenReady(): Promise<void> {
    if (this.#client.isReady) return;
    if (this.#closed) throw storeUnavailable('the session store is closed');
    this.#nextReady ??= new Promise<void>((resolve) => {
      this.#client.once('ready', () => {
        this.#nextReady = undefined;
        resolve();
      });
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(storeUnavailable('the session store is not connected')),
        this.#readyWaitMs,
      );
    });
    try {
      await Promise.race([this.#nextReady, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs one Redis call, turning every connectivity failure into `session_store_unavailable`. */
  async #send<T>(command: (client: RedisClient) => Promise<T>): Promise<T> {
    await this.#whenReady();
    try {
      return await command(this.#client);
    } catch (error) {
      if (error instanceof loadRedis().ErrorReply && !UNAVAILABLE_REPLY.test(error.message)) {
        throw error;
      }
      throw storeUnavailable('the session store did not answer', { cause: error });
    }
  }

  async insertFlow(flow: FlowRecord): Promise<void> {
    const inserted = await this.#send((client) =>
      client.eval(INSERT_FLOW, {
        keys: [this.#flowKey(flow.id), this.#stateKey(flow.stateHash)],
        arguments: [String(flow.expiresAt + FLOW_RETENTION_MS), flow.id, ...fromFlow(flow)],
      }),
    );
    if (inserted !== 1) throw new Error('a flow with this id or state already exists');
  }

  async getFlow(id: string): Promise<FlowRecord | undefined> {
    return toFlow(await this.#send((client) => client.hGetAll(this.#flowKey(id))));
  }

  async findFlowByStateHash(stateHash: string): Promise<FlowRecord | undefined> {
    const id = await this.#send((client) => client.get(this.#stateKey(stateHash)));
    return id === null ? undefined : this.getFlow(id);
  }

  async transitionFlow(
    id: string,
    from: FlowStatus,
    patch: Partial<Pick<FlowRecord, 'status' | 'completion'>>,
  ): Promise<boolean> {
    const moved = await this.#send((client) =>
      client.eval(TRANSITION_FLOW, {
        keys: [this.#flowKey(id)],
        // SQLite's COALESCE: a missing or null completion keeps the stored one.
        arguments: [
          from,
          patch.status ?? from,
          ...(typeof patch.completion === 'string' ? ['1', patch.completion] : ['0', '']),
        ],
      }),
    );
    return moved === 1;
  }

  async insertSession(session: SessionRecord): Promise<void> {
    const inserted = await this.#send((client) =>
      client.eval(INSERT_SESSION, {
        keys: [this.#sessionKey(session.id), this.#indexKey()],
        arguments: [
          String(session.consentExpiresAt + SESSION_RETENTION_AFTER_CONSENT_MS),
          session.id,
          ...['id', session.id, 'aspsp', session.aspsp, 'scopes', JSON.stringify(session.scopes)],
          ...['tokens', session.tokens, 'status', session.status],
          ...['accessExpiresAt', String(session.accessExpiresAt)],
          ...['consentExpiresAt', String(session.consentExpiresAt)],
          ...['version', String(session.version), 'createdAt', String(session.createdAt)],
          ...['updatedAt', String(session.updatedAt)],
        ],
      }),
    );
    if (inserted !== 1) throw new Error('a session with this id already exists');
  }

  async getSession(id: string): Promise<SessionRecord | undefined> {
    return toSession(await this.#send((client) => client.hGetAll(this.#sessionKey(id))));
  }

  async updateSession(id: string, version: number, patch: SessionPatch): Promise<boolean> {
    const expireAt =
      patch.consentExpiresAt === undefined
        ? ''
        : String(patch.consentExpiresAt + SESSION_RETENTION_AFTER_CONSENT_MS);
    const updated = await this.#send((client) =>
      client.eval(UPDATE_SESSION, {
        keys: [this.#sessionKey(id)],
        arguments: [String(version), String(Date.now()), expireAt, ...fromPatch(patch)],
      }),
    );
    return updated === 1;
  }

  async deleteSession(id: string): Promise<boolean> {
    const [deleted] = (await this.#send((client) =>
      client.multi().del(this.#sessionKey(id)).zRem(this.#indexKey(), id).exec(),
    )) as unknown as [number, number];
    return deleted === 1;
  }

  async listSessions(after: string | undefined, limit: number): Promise<SessionRecord[]> {
    await this.#indexExistingSessions();
    const found: SessionRecord[] = [];
    let from = after === undefined ? '-' : `(${after}`;
    while (found.length < limit) {
      const ids = await this.#send((client) =>
        client.zRangeByLex(this.#indexKey(), from, '+', {
          LIMIT: { offset: 0, count: limit - found.length },
        }),
      );
      if (ids.length === 0) break;
      const hashes = (await this.#send((client) => {
        const batch = client.multi();
        for (const id of ids) batch.hGetAll(this.#sessionKey(id));
        return batch.exec();
      })) as unknown as Record<string, string>[];
      const gone: string[] = [];
      ids.forEach((id, index) => {
        const record = toSession(hashes[index] ?? {});
        if (record) found.push(record);
        else gone.push(id);
      });
      if (gone.length > 0) await this.#send((client) => client.zRem(this.#indexKey(), gone));
      from = `(${ids.at(-1) ?? ''}`;
    }
    return found;
  }

  #indexed: Promise<void> | undefined;

  /**
   * Sessions stored before the index existed are added to it once: the first listing of each
   * process scans the session keys, unless an instance has done it already (a marker records it).
   */
  #indexExistingSessions(): Promise<void> {
    this.#indexed ??= (async () => {
      const marker = `${this.#prefix}sessions-indexed`;
      if ((await this.#send((client) => client.exists(marker))) === 1) return;
      let cursor = '0';
      const prefix = this.#sessionKey('');
      do {
        const reply = await this.#send((client) =>
          client.scan(cursor, { MATCH: `${prefix}*`, COUNT: 500 }),
        );
        cursor = String(reply.cursor);
        const ids = reply.keys.map((key) => key.slice(prefix.length));
        if (ids.length > 0) {
          await this.#send((client) =>
            client.zAdd(
              this.#indexKey(),
              ids.map((value) => ({ score: 0, value })),
            ),
          );
        }
      } while (cursor !== '0');
      await this.#send((client) => client.set(marker, '1'));
    })().catch((error: unknown) => {
      this.#indexed = undefined;
      throw error;
    });
    return this.#indexed;
  }

  /** Nothing to do: every key expires by itself at the end of its retention. */
  purgeExpired(): Promise<void> {
    return Promise.resolve();
  }

  async ping(): Promise<void> {
    await this.#send((client) => client.ping());
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#client.isReady) {
      await this.#client.close().catch(() => this.#client.destroy());
    } else if (this.#client.isOpen) {
      // Reconnecting: there is nothing to flush, and close() would wait for the reconnection.
      this.#client.destroy();
    }
  }
}
