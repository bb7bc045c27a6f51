/**
 * The session store contract, run with the same test body against the SQLite store and the Redis
 * store (a real redis-server): flows, the compare-and-set updates, deletion, retention, ping, and
 * the refresh lock each store provides. Also: sealing-key rotation over a stored session.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'redis';
import { RedisSessionStore } from '../../backend-for-frontend/sessions/redis-store.js';
import { InProcessRefreshLock } from '../../backend-for-frontend/sessions/refresh-lock.js';
import { TokenSealer } from '../../backend-for-frontend/sessions/sealing.js';
import { SqliteSessionStore } from '../../backend-for-frontend/sessions/sqlite-store.js';
import {
  FLOW_RETENTION_MS,
  SESSION_RETENTION_AFTER_CONSENT_MS,
  type FlowRecord,
  type SessionRecord,
  type SessionStore,
} from '../../backend-for-frontend/sessions/store.js';
import { startTestRedis, type TestRedis } from '../support/redis-server.js';

const DAY_MS = 86_400_000;

function makeId(): string {
  return randomBytes(16).toString('base64url');
}

function makeFlow(overrides: Partial<FlowRecord> = {}): FlowRecord {
  const now = Date.now();
  return {
    id: makeId(),
    stateHash: makeId(),
    codeChallenge: 'c'.repeat(43),
    aspsp: 'azur',
    scopes: ['aisp'],
    mode: 'redirect',
    origin: 'https://partner.example',
    returnTo: 'https://partner.example/connect',
    createdAt: now,
    expiresAt: now + 600_000,
    status: 'pending',
    sessionId: null,
    completion: null,
    dpopJkt: null,
    ...overrides,
  };
}

function makeSession(overrides: Partial<SessionRecord> = {}): SessionRecord {
  const now = Date.now();
  return {
    id: makeId(),
    aspsp: 'azur',
    scopes: ['aisp'],
    tokens: 'v1.sealed.value',
    accessExpiresAt: now + 300_000,
    consentExpiresAt: now + 90 * DAY_MS,
    status: 'active',
    version: 1,
    createdAt: now,
    updatedAt: now,
    dpopJkt: null,
    ...overrides,
  };
}

interface Backend {
  name: string;
  open(): Promise<SessionStore>;
  /** The key's remaining life in ms, where the backend expires keys itself. */
  readTtl?: (kind: 'session' | 'flow' | 'flow-state', id: string) => Promise<number>;
}

/** The same body for every backend: what routes and the session service rely on. */
function runContract(backend: () => Backend): void {
  let store: SessionStore;
  before(async () => {
    store = await backend().open();
  });
  after(async () => {
    await store.close();
  });

  it('inserts a flow and finds it by id and by state hash', async () => {
    const flow = makeFlow({ scopes: ['aisp', 'cbpii'], mode: 'popup' });
    const reconnect = makeFlow({ sessionId: makeId(), completion: 'sealed-handle' });
    await store.insertFlow(flow);
    await store.insertFlow(reconnect);
    assert.deepEqual(await store.getFlow(flow.id), flow);
    assert.deepEqual(await store.findFlowByStateHash(flow.stateHash), flow);
    assert.deepEqual(await store.getFlow(reconnect.id), reconnect);
    assert.equal(await store.getFlow(makeId()), undefined);
    assert.equal(await store.findFlowByStateHash(makeId()), undefined);
  });

  it('refuses a second flow with the same state hash', async () => {
    const flow = makeFlow();
    await store.insertFlow(flow);
    // A function: the SQLite store throws synchronously, the Redis one rejects.
    await assert.rejects(async () => store.insertFlow(makeFlow({ stateHash: flow.stateHash })));
  });

  it('lets exactly one of two concurrent flow transitions win', async () => {
    const flow = makeFlow({ status: 'returned' });
    await store.insertFlow(flow);
    const results = await Promise.all([
      store.transitionFlow(flow.id, 'returned', { status: 'exchanging' }),
      store.transitionFlow(flow.id, 'returned', { status: 'exchanging' }),
    ]);
    assert.deepEqual(results.sort(), [false, true]);
    assert.equal((await store.getFlow(flow.id))?.status, 'exchanging');
    assert.equal(await store.transitionFlow(flow.id, 'pending', { status: 'returned' }), false);
    assert.equal(
      await store.transitionFlow(flow.id, 'exchanging', { status: 'completed', completion: 'h' }),
      true,
    );
    const completed = await store.getFlow(flow.id);
    assert.equal(completed?.status, 'completed');
    assert.equal(completed?.completion, 'h');
    // Without a completion in the patch the stored one stays (SQLite's COALESCE).
    assert.equal(await store.transitionFlow(flow.id, 'completed', {}), true);
    assert.equal((await store.getFlow(flow.id))?.completion, 'h');
    assert.equal(await store.transitionFlow(makeId(), 'pending', { status: 'returned' }), false);
  });

  it('updates a session only at the version it read, one winner among concurrent updates', async () => {
    const session = makeSession();
    await store.insertSession(session);
    await assert.rejects(async () => store.insertSession(session), 'a session id is unique');
    assert.deepEqual(await store.getSession(session.id), session);

    assert.equal(await store.updateSession(session.id, 1, { tokens: 'v1.new' }), true);
    const updated = await store.getSession(session.id);
    assert.equal(updated?.version, 2);
    assert.equal(updated?.tokens, 'v1.new');
    assert.equal(updated?.status, 'active', 'fields outside the patch stay');
    assert.deepEqual(updated?.scopes, ['aisp']);
    assert.equal(await store.updateSession(session.id, 1, { tokens: 'v1.lost' }), false);

    const results = await Promise.all(
      Array.from({ length: 5 }, (_, index) =>
        store.updateSession(session.id, 2, {
          tokens: `v1.racer-${index}`,
          status: 'reauth_required',
          scopes: ['aisp', 'cbpii'],
          accessExpiresAt: 1,
          consentExpiresAt: session.consentExpiresAt + DAY_MS,
        }),
      ),
    );
    assert.equal(results.filter(Boolean).length, 1);
    const raced = await store.getSession(session.id);
    assert.equal(raced?.version, 3);
    assert.equal(raced?.tokens, `v1.racer-${results.indexOf(true)}`);
    assert.equal(raced?.status, 'reauth_required');
    assert.deepEqual(raced?.scopes, ['aisp', 'cbpii']);
    assert.equal(raced?.accessExpiresAt, 1);
    assert.equal(raced?.consentExpiresAt, session.consentExpiresAt + DAY_MS);
    assert.equal(await store.updateSession(makeId(), 1, { tokens: 'x' }), false);
  });

  it('deletes a session once', async () => {
    const session = makeSession();
    await store.insertSession(session);
    assert.equal(await store.deleteSession(session.id), true);
    assert.equal(await store.getSession(session.id), undefined);
    assert.equal(await store.deleteSession(session.id), false);
  });

  it('forgets flows and sessions past their retention and keeps the others', async () => {
    const now = Date.now();
    const oldFlow = makeFlow({ expiresAt: now - FLOW_RETENTION_MS - 60_000 });
    const oldSession = makeSession({
      consentExpiresAt: now - SESSION_RETENTION_AFTER_CONSENT_MS - 60_000,
    });
    // Consent over, but within retention: the customer can still reconnect it.
    const endedSession = makeSession({ consentExpiresAt: now - DAY_MS });
    const liveFlow = makeFlow();
    for (const flow of [oldFlow, liveFlow]) await store.insertFlow(flow);
    for (const session of [oldSession, endedSession]) await store.insertSession(session);
    await store.purgeExpired(now);
    assert.equal(await store.getFlow(oldFlow.id), undefined);
    assert.equal(await store.findFlowByStateHash(oldFlow.stateHash), undefined);
    assert.equal(await store.getSession(oldSession.id), undefined);
    assert.equal((await store.getSession(endedSession.id))?.id, endedSession.id);
    assert.equal((await store.getFlow(liveFlow.id))?.id, liveFlow.id);

    const { readTtl } = backend();
    if (readTtl) {
      const close = (actual: number, expected: number) =>
        assert.ok(Math.abs(actual - expected) < 5_000, `ttl ${actual} ≈ ${expected}`);
      close(
        await readTtl('session', endedSession.id),
        endedSession.consentExpiresAt + SESSION_RETENTION_AFTER_CONSENT_MS - Date.now(),
      );
      close(await readTtl('flow', liveFlow.id), liveFlow.expiresAt + FLOW_RETENTION_MS - now);
      close(
        await readTtl('flow-state', liveFlow.stateHash),
        liveFlow.expiresAt + FLOW_RETENTION_MS - now,
      );
      // A renewed consent moves the session's expiry with it.
      const renewedUntil = now + 90 * DAY_MS;
      assert.ok(await store.updateSession(endedSession.id, 1, { consentExpiresAt: renewedUntil }));
      close(
        await readTtl('session', endedSession.id),
        renewedUntil + SESSION_RETENTION_AFTER_CONSENT_MS - Date.now(),
      );
    }
  });

  it('answers ping while it can serve requests', async () => {
    await store.ping();
  });

  it('lets one refresh-lock holder at a time per session', async () => {
    const lock = store.refreshLock ?? new InProcessRefreshLock();
    const id = makeId();
    const order: string[] = [];
    const first = await lock.acquire(id);
    const other = await lock.acquire(makeId());
    const second = lock.acquire(id).then((release) => {
      order.push('second acquired');
      return release;
    });
    // Give the waiter every chance to jump the queue: a few round trips to the store.
    for (let i = 0; i < 5; i++) await store.ping();
    order.push('first releases');
    await first();
    await (
      await second
    )();
    await other();
    assert.deepEqual(order, ['first releases', 'second acquired']);
  });

  it('opens a session sealed with a retired key once a new key seals (key rotation)', async () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const before = new TokenSealer([oldKey]);
    const session = makeSession();
    const secret = JSON.stringify({ accessToken: 'at-1', refreshToken: 'rt-1' });
    await store.insertSession({ ...session, tokens: before.seal(secret, session.id) });

    const rotated = new TokenSealer([newKey, oldKey]);
    const stored = await store.getSession(session.id);
    assert.ok(stored);
    assert.equal(rotated.open(stored.tokens, session.id), secret);

    const resealed = rotated.seal(secret, session.id);
    assert.ok(await store.updateSession(session.id, stored.version, { tokens: resealed }));
    const after = await store.getSession(session.id);
    assert.ok(after);
    assert.equal(new TokenSealer([newKey]).open(after.tokens, session.id), secret);
    assert.throws(() => before.open(after.tokens, session.id), { code: 'sealing_failed' });
    assert.notEqual(after.tokens.split('.')[1], stored.tokens.split('.')[1], 'another key id');
  });
}

describe('session store contract', () => {
  let dir: string;
  let redis: TestRedis;
  let raw: ReturnType<typeof createClient>;
  const prefix = `contract-${makeId()}:`;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bff-store-'));
    redis = await startTestRedis();
    raw = createClient({ url: redis.url });
    await raw.connect();
  });
  after(async () => {
    await raw?.close();
    await redis?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  describe('SQLite', () => {
    runContract(() => ({
      name: 'sqlite',
      open: () => Promise.resolve(new SqliteSessionStore(path.join(dir, 'sessions.sqlite'))),
    }));
  });

  describe('Redis', () => {
    runContract(() => ({
      name: 'redis',
      open: () => Promise.resolve(new RedisSessionStore(redis.url, { prefix })),
      readTtl: (kind, id) => raw.pTTL(`${prefix}${kind}:${id}`),
    }));
  });
});
