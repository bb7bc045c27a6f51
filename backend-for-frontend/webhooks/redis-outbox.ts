/**
 * The outbox in the Redis session store: each delivery a hash that expires with its retention,
 * and a sorted set of pending deliveries by next attempt (the due index). Enqueue, claim and
 * settle are Lua scripts, which Redis runs atomically: a claim moves its deliveries' scores to
 * the lease's end, so no other claim sees them until then, and settling checks the claim's owner.
 *
 * The claim script reads the delivery hashes it finds in the due index, keys it cannot declare in
 * advance: fine on one Redis server (what the store supports), not on a Redis Cluster.
 */
import { randomBytes } from 'node:crypto';
import type { SendRedisCommand } from '../sessions/redis-refresh-lock.js';
import {
  DELIVERY_RETENTION_MS,
  toDeliveryId,
  type Claim,
  type DeliveryRecord,
  type DeliveryState,
  type NewDelivery,
  type Outbox,
  type Settlement,
} from './outbox.js';
import type { SessionCursor } from '../sessions/store.js';

/** KEYS: delivery, due index. ARGV: expire-at (ms), next attempt, id, then field/value pairs. */
const ENQUEUE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1`;

/** KEYS: due index. ARGV: now, lease end, limit, owner, delivery key prefix. */
const CLAIM = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local claimed = {}
for _, id in ipairs(ids) do
  local key = ARGV[5] .. id
  if redis.call('EXISTS', key) == 1 then
    redis.call('ZADD', KEYS[1], ARGV[2], id)
    redis.call('HSET', key, 'owner', ARGV[4])
    table.insert(claimed, redis.call('HGETALL', key))
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return claimed`;

/**
 * KEYS: delivery, due index. ARGV: owner, id, state, next attempt, then field/value pairs. A
 * settled delivery leaves the due index and keeps no body.
 */
const SETTLE = `
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
redis.call('HDEL', KEYS[1], 'owner')
redis.call('HSET', KEYS[1], 'state', ARGV[3], unpack(ARGV, 5))
if ARGV[3] == 'pending' then
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[2])
else
  redis.call('ZREM', KEYS[2], ARGV[2])
  redis.call('HSET', KEYS[1], 'body', '')
end
return 1`;

/** KEYS: lease. ARGV: owner, lease (ms). Takes a free lease, or extends the owner's own. */
const ACQUIRE_LEASE = `
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

/** KEYS: lease. ARGV: owner. */
const RELEASE_LEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1`;

function toDelivery(fields: string[]): DeliveryRecord {
  const hash: Record<string, string> = {};
  for (let index = 0; index + 1 < fields.length; index += 2) {
    hash[fields[index] as string] = fields[index + 1] as string;
  }
  return fromHash(hash);
}

function fromHash(hash: Record<string, string>): DeliveryRecord {
  return {
    id: hash.id ?? '',
    eventId: hash.eventId ?? '',
    eventType: hash.eventType ?? '',
    endpoint: hash.endpoint ?? '',
    body: hash.body ?? '',
    attempts: Number(hash.attempts ?? 0),
    nextAttemptAt: Number(hash.nextAttemptAt ?? 0),
    createdAt: Number(hash.createdAt ?? 0),
    lastError: hash.lastError || null,
    state: (hash.state ?? 'pending') as DeliveryState,
  };
}

export class RedisOutbox implements Outbox {
  readonly #send: SendRedisCommand;
  readonly #prefix: string;

  /** `send` runs a command on the session store's client, with its failure handling. */
  constructor(send: SendRedisCommand, prefix: string) {
    this.#send = send;
    this.#prefix = `${prefix}webhook:`;
  }

  #deliveryKey(id: string): string {
    return `${this.#prefix}delivery:${id}`;
  }

  get #dueKey(): string {
    return `${this.#prefix}due`;
  }

  async enqueue(deliveries: NewDelivery[]): Promise<number> {
    let created = 0;
    for (const delivery of deliveries) {
      const id = toDeliveryId(delivery.eventId, delivery.endpoint);
      const inserted = await this.#send((client) =>
        client.eval(ENQUEUE, {
          keys: [this.#deliveryKey(id), this.#dueKey],
          arguments: [
            String(delivery.createdAt + DELIVERY_RETENTION_MS),
            String(delivery.createdAt),
            id,
            ...['id', id, 'eventId', delivery.eventId, 'eventType', delivery.eventType],
            ...['endpoint', delivery.endpoint, 'body', delivery.body, 'attempts', '0'],
            ...[
              'nextAttemptAt',
              String(delivery.createdAt),
              'createdAt',
              String(delivery.createdAt),
            ],
            ...['lastError', '', 'state', 'pending'],
          ],
        }),
      );
      if (inserted === 1) created += 1;
    }
    return created;
  }

  async claimDue(now: number, limit: number, leaseMs: number): Promise<Claim> {
    const owner = randomBytes(12).toString('base64url');
    const claimed = (await this.#send((client) =>
      client.eval(CLAIM, {
        keys: [this.#dueKey],
        arguments: [
          String(now),
          String(now + leaseMs),
          String(limit),
          owner,
          `${this.#prefix}delivery:`,
        ],
      }),
    )) as string[][];
    return { owner, deliveries: claimed.map(toDelivery) };
  }

  async settle(id: string, owner: string, settlement: Settlement): Promise<boolean> {
    const nextAttemptAt = settlement.state === 'pending' ? settlement.nextAttemptAt : 0;
    const settled = await this.#send((client) =>
      client.eval(SETTLE, {
        keys: [this.#deliveryKey(id), this.#dueKey],
        arguments: [
          owner,
          id,
          settlement.state,
          String(nextAttemptAt),
          ...['attempts', String(settlement.attempts), 'nextAttemptAt', String(nextAttemptAt)],
          ...['lastError', settlement.state === 'delivered' ? '' : settlement.lastError],
        ],
      }),
    );
    return settled === 1;
  }

  async getDelivery(id: string): Promise<DeliveryRecord | undefined> {
    const hash = await this.#send((client) => client.hGetAll(this.#deliveryKey(id)));
    return hash.id === undefined ? undefined : fromHash(hash);
  }

  async acquireLease(name: string, owner: string, _now: number, leaseMs: number) {
    // Redis's own clock ends the lease: instances' clocks may differ, its clock is the one shared.
    const taken = await this.#send((client) =>
      client.eval(ACQUIRE_LEASE, {
        keys: [`${this.#prefix}lease:${name}`],
        arguments: [owner, String(leaseMs)],
      }),
    );
    return taken === 1;
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    await this.#send((client) =>
      client.eval(RELEASE_LEASE, { keys: [`${this.#prefix}lease:${name}`], arguments: [owner] }),
    );
  }

  async readCursor(name: string): Promise<SessionCursor | undefined> {
    const value = await this.#send((client) => client.get(`${this.#prefix}cursor:${name}`));
    if (value === null) return undefined;
    const separator = value.indexOf(':');
    return {
      consentExpiresAt: Number(value.slice(0, separator)),
      id: value.slice(separator + 1),
    };
  }

  async writeCursor(name: string, cursor: SessionCursor): Promise<void> {
    await this.#send((client) =>
      client.set(`${this.#prefix}cursor:${name}`, `${cursor.consentExpiresAt}:${cursor.id}`),
    );
  }

  /** Nothing to do: every delivery's key expires by itself at the end of its retention. */
  purge(): Promise<void> {
    return Promise.resolve();
  }
}
