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
import { RedisOutbox } from '../webhooks/redis-outbox.js';
import { DEFAULT_LEASE_MS, RedisRefreshLock } from './redis-refresh-lock.js';
import { RedisSyncStore } from './sync-store.js';
import type { RefreshLock } from './refresh-lock.js';
import {
  FLOW_RETENTION_MS,
  SESSION_RETENTION_AFTER_CONSENT_MS,
  type FlowRecord,
  type FlowStatus,
  type HitCounter,
  type SessionCursor,
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
 * KEYS: session, consent-end index. ARGV: expire-at (ms), consent end, id, then field/value
 * pairs.
 */
const INSERT_SESSION = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1`;

/**
 * KEYS: session, consent-end index. ARGV: expected version, updatedAt, new expire-at (ms) or '',
 * then field/value pairs. HSET keeps a key's TTL, so the expiry moves only when the consent's end
 * does, and the index with it.
 */
const UPDATE_SESSION = `
local version = redis.call('HGET', KEYS[1], 'version')
if version ~= ARGV[1] then return 0 end
if #ARGV > 3 then redis.call('HSET', KEYS[1], unpack(ARGV, 4)) end
redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[2])
if ARGV[3] ~= '' then
  redis.call('PEXPIREAT', KEYS[1], ARGV[3])
  local fields = redis.call('HMGET', KEYS[1], 'consentExpiresAt', 'id')
  redis.call('ZADD', KEYS[2], fields[1], fields[2])
end
return 1`;

/**
 * KEYS: consent-end index. ARGV: after (end), after (id), until, limit. The ids of the sessions
 * after the cursor, in the index's order (score, then member: the cursor's order). Members that
 * tie with the cursor's end are skipped up to its id, a few at most: ends are in milliseconds.
 */
const LIST_ENDING = `
local found = {}
local offset = 0
local limit = tonumber(ARGV[4])
while #found < limit do
  local page = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[3], 'WITHSCORES', 'LIMIT', offset, limit)
  if #page == 0 then break end
  for index = 1, #page, 2 do
    if #found < limit and (tonumber(page[index + 1]) > tonumber(ARGV[1]) or page[index] > ARGV[2]) then
      table.insert(found, page[index])
    end
  end
  offset = offset + limit
end
return found`;

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
    dpopJkt: hash.dpopJkt ?? null,
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
    ...(flow.dpopJkt === null ? [] : ['dpopJkt', flow.dpopJkt]),
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
    dpopJkt: hash.dpopJkt ?? null,
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
    ...(typeof patch.dpopJkt === 'string' ? ['dpopJkt', patch.dpopJkt] : []),
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
  readonly outbox: RedisOutbox;
  /**
   * Settles once the sessions stored before the consent-end index existed are in it (at the
   * first connection; at once on a data set already indexed).
   */
  readonly sessionsIndexed: Promise<void>;
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
    this.outbox = new RedisOutbox((command) => this.#send(command), this.#prefix);
    this.sessionsIndexed = new Promise((resolve) => {
      this.#client.once('ready', () => {
        this.#indexSessions()
          .catch((error: unknown) =>
            this.#logger?.warn({ err: error }, 'could not index the sessions by consent end'),
          )
          .finally(resolve);
      });
    });
  }

  /**
   * Once per Redis data set: adds the sessions stored before the consent-end index existed to it
   * (a SCAN, so that Redis keeps serving meanwhile). A marker key records that it was done.
   */
  async #indexSessions(): Promise<void> {
    const marker = `${this.#consentEndKey}:indexed`;
    if ((await this.#send((client) => client.set(marker, '1', { condition: 'NX' }))) !== 'OK') {
      return;
    }
    for await (const keys of this.#client.scanIterator({
      MATCH: `${this.#prefix}session:*`,
      COUNT: 500,
    })) {
      for (const key of keys) {
        const [end, id] = await this.#send((client) =>
          client.hmGet(key, ['consentExpiresAt', 'id']),
        );
        if (end && id) {
          await this.#send((client) =>
            client.zAdd(this.#consentEndKey, { score: Number(end), value: id }),
          );
        }
      }
    }
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

  /** The sessions' ids by the end of their consent: what the webhooks' scheduler reads. */
  get #consentEndKey(): string {
    return `${this.#prefix}sessions-by-consent-end`;
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
        keys: [this.#sessionKey(session.id), this.#consentEndKey],
        arguments: [
          String(session.consentExpiresAt + SESSION_RETENTION_AFTER_CONSENT_MS),
          String(session.consentExpiresAt),
          session.id,
          ...['id', session.id, 'aspsp', session.aspsp, 'scopes', JSON.stringify(session.scopes)],
          ...['tokens', session.tokens, 'status', session.status],
          ...['accessExpiresAt', String(session.accessExpiresAt)],
          ...['consentExpiresAt', String(session.consentExpiresAt)],
          ...['version', String(session.version), 'createdAt', String(session.createdAt)],
          ...['updatedAt', String(session.updatedAt)],
          ...(session.dpopJkt === null ? [] : ['dpopJkt', session.dpopJkt]),
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
        keys: [this.#sessionKey(id), this.#consentEndKey],
        arguments: [String(version), String(Date.now()), expireAt, ...fromPatch(patch)],
      }),
    );
    return updated === 1;
  }

  async deleteSession(id: string): Promise<boolean> {
    const [deleted] = await this.#send((client) =>
      client.multi().del(this.#sessionKey(id)).zRem(this.#consentEndKey, id).exec(),
    );
    return Number(deleted) === 1;
  }

  async listSessionsEndingBetween(
    after: SessionCursor,
    until: number,
    limit: number,
  ): Promise<SessionRecord[]> {
    const ids = (await this.#send((client) =>
      client.eval(LIST_ENDING, {
        keys: [this.#consentEndKey],
        arguments: [String(after.consentExpiresAt), after.id, String(until), String(limit)],
      }),
    )) as string[];
    const sessions = await Promise.all(ids.map((id) => this.getSession(id)));
    // A session whose key expired is gone from the index at the next purge.
    return sessions.filter((session) => session !== undefined);
  }

  /**
   * Every key expires by itself at the end of its retention; only the consent-end index keeps
   * the ids of sessions past theirs, and forgets them here.
   */
  async recordProof(id: string, expiresAt: number): Promise<boolean> {
    const ttl = Math.max(1, expiresAt - Date.now());
    const set = await this.#send((client) =>
      client.set(`${this.#prefix}dpop-proof:${id}`, '1', { NX: true, PX: ttl }),
    );
    return set === 'OK';
  }

  async purgeExpired(now: number): Promise<void> {
    await this.#send((client) =>
      client.zRemRangeByScore(
        this.#consentEndKey,
        '-inf',
        `(${now - SESSION_RETENTION_AFTER_CONSENT_MS}`,
      ),
    );
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
