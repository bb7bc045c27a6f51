/**
 * Session store cost: create, read and update throughput and bytes per session for the SQLite and
 * Redis stores at 10,000 and 100,000 sessions, with tokens sealed by the real TokenSealer, and how
 * each figure grows between the two sizes. The store classes are driven directly (no HTTP).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from 'redis';
import { TokenSealer } from '../../backend-for-frontend/sessions/sealing.js';
import { SqliteSessionStore } from '../../backend-for-frontend/sessions/sqlite-store.js';
import type { SessionRecord, SessionStore } from '../../backend-for-frontend/sessions/store.js';
import { round, summarise, type Figure } from './support/stats.js';

export interface StoreSizeResult {
  sessions: number;
  /** Inserts per second, one figure per tenth of the fill. */
  createPerSecond: Figure;
  readPerSecond: Figure;
  updatePerSecond: Figure;
  bytesPerSession: number;
}

export interface StoreResult {
  store: 'sqlite' | 'redis';
  sizes: StoreSizeResult[];
  /** Largest size's figure / smallest size's figure (throughput: < 1 means slower when larger). */
  growth: { create: number; read: number; update: number; bytesPerSession: number };
}

export interface SessionsResult {
  stores: (StoreResult | { store: 'redis'; notMeasured: string })[];
}

const SIZES = [10_000, 100_000];
const SAMPLE_OPS = 5_000;
const RUNS = 3;
/** Requests in flight at once against an asynchronous store (node-redis pipelines them). */
const IN_FLIGHT = 100;

const sealer = new TokenSealer([createHash('sha256').update('bench sealing key').digest()]);

/** A session like the BFF writes: a JWT-sized access token and a refresh token, sealed. */
function makeSession(index: number, now: number): SessionRecord {
  const id = createHash('sha256').update(`bench-session-${index}`).digest('base64url');
  const tokens = JSON.stringify({
    accessToken: randomBytes(600).toString('base64url'),
    refreshToken: randomBytes(48).toString('base64url'),
  });
  return {
    id,
    aspsp: 'mistral',
    scopes: ['aisp'],
    tokens: sealer.seal(tokens, id),
    accessExpiresAt: now + 900_000,
    consentExpiresAt: now + 180 * 86_400_000,
    status: 'active',
    version: 0,
    createdAt: now,
    updatedAt: now,
    dpopJkt: null,
  };
}

/** Runs `operation` for each index with at most IN_FLIGHT pending; returns operations per second. */
async function timeOps(count: number, operation: (index: number) => Promise<unknown>) {
  const started = performance.now();
  for (let offset = 0; offset < count; offset += IN_FLIGHT) {
    const batch: Promise<unknown>[] = [];
    for (let index = offset; index < Math.min(count, offset + IN_FLIGHT); index++)
      batch.push(operation(index));
    await Promise.all(batch);
  }
  return count / ((performance.now() - started) / 1000);
}

async function measureSize(
  store: SessionStore,
  sessions: number,
  bytesUsed: () => Promise<number>,
): Promise<StoreSizeResult> {
  const now = Date.now();
  const baseline = await bytesUsed();
  const chunk = sessions / 10;
  const creates: number[] = [];
  const ids: string[] = [];
  for (let start = 0; start < sessions; start += chunk) {
    const records = Array.from({ length: chunk }, (_, index) => makeSession(start + index, now));
    for (const record of records) ids.push(record.id);
    creates.push(
      await timeOps(chunk, (index) => store.insertSession(records[index] as SessionRecord)),
    );
  }
  const pick = () => Array.from({ length: SAMPLE_OPS }, () => Math.floor(Math.random() * sessions));
  const versions = new Map<string, number>();
  const reads: number[] = [];
  const updates: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const readIds = pick().map((index) => ids[index] ?? '');
    reads.push(await timeOps(SAMPLE_OPS, (index) => store.getSession(readIds[index] ?? '')));
    // Distinct ids per run, so each compare-and-set names the version it last wrote.
    const updateIds = [...new Set(pick().map((index) => ids[index] ?? ''))];
    const sealed = updateIds.map((id) =>
      sealer.seal(JSON.stringify({ accessToken: randomBytes(600).toString('base64url') }), id),
    );
    updates.push(
      await timeOps(updateIds.length, async (index) => {
        const id = updateIds[index] ?? '';
        const version = versions.get(id) ?? 0;
        const applied = await store.updateSession(id, version, {
          tokens: sealed[index] ?? '',
          accessExpiresAt: now + 900_000,
        });
        if (!applied) throw new Error(`update of ${id} at version ${version} was refused`);
        versions.set(id, version + 1);
      }),
    );
  }
  return {
    sessions,
    createPerSecond: summarise(creates, 0),
    readPerSecond: summarise(reads, 0),
    updatePerSecond: summarise(updates, 0),
    bytesPerSession: round(((await bytesUsed()) - baseline) / sessions, 1),
  };
}

function growthOf(sizes: StoreSizeResult[]): StoreResult['growth'] {
  const first = sizes[0];
  const last = sizes[sizes.length - 1];
  if (!first || !last) throw new Error('no sizes measured');
  return {
    create: round(last.createPerSecond.median / first.createPerSecond.median),
    read: round(last.readPerSecond.median / first.readPerSecond.median),
    update: round(last.updatePerSecond.median / first.updatePerSecond.median),
    bytesPerSession: round(last.bytesPerSession / first.bytesPerSession),
  };
}

async function measureSqlite(): Promise<StoreResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-sessions-'));
  try {
    const sizes: StoreSizeResult[] = [];
    for (const sessions of SIZES) {
      const file = path.join(dir, `sessions-${sessions}.sqlite`);
      const store = new SqliteSessionStore(file);
      // Closing the last connection checkpoints the WAL into the main file: measure after it.
      let closed = false;
      const bytesUsed = async () => {
        if (!closed) return 0;
        return (await stat(file)).size;
      };
      const result = await measureSize(store, sessions, () => Promise.resolve(0));
      await store.close();
      closed = true;
      sizes.push({ ...result, bytesPerSession: round((await bytesUsed()) / sessions, 1) });
    }
    return { store: 'sqlite', sizes, growth: growthOf(sizes) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function measureRedis(): Promise<StoreResult> {
  const { startTestRedis } = await import('../support/redis-server.js');
  const { RedisSessionStore } = await import('../../backend-for-frontend/sessions/redis-store.js');
  const redis = await startTestRedis();
  const client = createClient({ url: redis.url });
  await client.connect();
  try {
    const usedMemory = async () => {
      const info = await client.info('memory');
      return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
    };
    const sizes: StoreSizeResult[] = [];
    for (const sessions of SIZES) {
      await client.flushAll();
      const store = new RedisSessionStore(redis.url, { commandTimeoutMs: 10_000 });
      try {
        sizes.push(await measureSize(store, sessions, usedMemory));
      } finally {
        await store.close();
      }
    }
    return { store: 'redis', sizes, growth: growthOf(sizes) };
  } finally {
    await client.quit();
    await redis.dispose();
  }
}

export async function measureSessions(): Promise<SessionsResult> {
  const stores: SessionsResult['stores'] = [await measureSqlite()];
  try {
    stores.push(await measureRedis());
  } catch (error) {
    stores.push({
      store: 'redis',
      notMeasured: error instanceof Error ? error.message : String(error),
    });
  }
  return { stores };
}
