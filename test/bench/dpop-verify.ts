/**
 * What a DPoP proof costs the BFF: `DpopVerifier.verify` on one request, one proof after the
 * other, with each place its jti can be recorded:
 * - `memory`: a Set, so the figure is the JOSE work alone (header checks, the ES256 signature,
 *   the claims, the JWK thumbprint);
 * - `sqlite`: the SQLite session store's `dpop_proofs` table, in a file (one instance);
 * - `redis`: the Redis session store's `SET NX PX` (several instances), on a local redis-server.
 * Proofs are signed before the clock starts: the page's signing is dpop-browser.ts's figure.
 *
 *   npx tsx test/bench/dpop-verify.ts          the figures as JSON
 */
import { realpathSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Request } from 'express';
import { DpopVerifier, type RecordProof } from '../../backend-for-frontend/dpop/proof.js';
import { SqliteSessionStore } from '../../backend-for-frontend/sessions/sqlite-store.js';
import { createDpopKey, type TestDpopKey } from '../support/dpop.js';
import { summarise, type Figure } from './support/stats.js';

export interface DpopVerifyStore {
  store: 'memory' | 'sqlite' | 'redis';
  /** Microseconds per verified proof, one sample per run. */
  perProofUs: Figure;
}

export interface DpopVerifyResult {
  proofsPerRun: number;
  stores: (DpopVerifyStore | { store: 'redis'; notMeasured: string })[];
}

const PROOFS = 2_000;
const RUNS = 3;
const PUBLIC_BASE = 'https://bff.partner.example';
const ROUTE = '/v1/accounts';
const HANDLE = 'h'.repeat(43);

/** The parts of an Express request that `verify` reads. */
function requestWith(proof: string): Request {
  return { headers: { dpop: proof }, method: 'GET', path: ROUTE } as unknown as Request;
}

async function measureStore(
  store: DpopVerifyStore['store'],
  key: TestDpopKey,
  recordProof: RecordProof,
): Promise<DpopVerifyStore> {
  const verifier = new DpopVerifier({
    publicBase: PUBLIC_BASE,
    windowSeconds: 60,
    recordProof,
    now: Date.now,
  });
  const sign = () => key.signSync({ htm: 'GET', htu: `${PUBLIC_BASE}${ROUTE}`, handle: HANDLE });
  // Warm the JIT and the store's statements before anything is recorded.
  for (let index = 0; index < 200; index++) await verifier.verify(requestWith(sign()), HANDLE);
  const samples: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const requests = Array.from({ length: PROOFS }, () => requestWith(sign()));
    const started = performance.now();
    for (const request of requests) await verifier.verify(request, HANDLE);
    samples.push(((performance.now() - started) * 1000) / PROOFS);
  }
  return { store, perProofUs: summarise(samples) };
}

async function measureRedis(key: TestDpopKey): Promise<DpopVerifyStore> {
  const { startTestRedis } = await import('../support/redis-server.js');
  const { RedisSessionStore } = await import('../../backend-for-frontend/sessions/redis-store.js');
  const redis = await startTestRedis();
  const store = new RedisSessionStore(redis.url, { commandTimeoutMs: 10_000 });
  try {
    return await measureStore('redis', key, (id, expiresAt) => store.recordProof(id, expiresAt));
  } finally {
    await store.close();
    await redis.dispose();
  }
}

export async function measureDpopVerify(): Promise<DpopVerifyResult> {
  const key = await createDpopKey();
  const seen = new Set<string>();
  const stores: DpopVerifyResult['stores'] = [
    await measureStore('memory', key, (id) => {
      const first = !seen.has(id);
      seen.add(id);
      return Promise.resolve(first);
    }),
  ];
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-dpop-'));
  const sqlite = new SqliteSessionStore(path.join(dir, 'sessions.sqlite'));
  try {
    stores.push(
      await measureStore('sqlite', key, (id, expiresAt) => sqlite.recordProof(id, expiresAt)),
    );
  } finally {
    await sqlite.close();
    await rm(dir, { recursive: true, force: true });
  }
  try {
    stores.push(await measureRedis(key));
  } catch (error) {
    stores.push({
      store: 'redis',
      notMeasured: error instanceof Error ? error.message : String(error),
    });
  }
  return { proofsPerRun: PROOFS, stores };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) {
  process.stdout.write(`${JSON.stringify(await measureDpopVerify(), null, 2)}\n`);
}
