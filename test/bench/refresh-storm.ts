/**
 * Refresh storm: 1,000 concurrent `GET /v1/accounts` on one session whose access token the bank
 * has expired (the sandbox clock moved 400 s past `azur`'s 300 s tokens). The bank must see one
 * refresh, whatever the concurrency: in SQLite mode (one instance) and with two instances sharing
 * Redis (the requests split between them).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { createMtlsAgent } from '../support/mtls.js';
import { loadTestPki } from '../support/pki.js';
import {
  benchPageKey,
  connectThroughBff,
  partnerHeadersSync,
  startStack,
} from './support/stack.js';
import { summarise, type Figure } from './support/stats.js';

const BANK = 'azur';
const REFRESH_CALL = 'POST /token refresh_token';

export interface StormResult {
  mode: 'sqlite' | 'redis';
  instances: number;
  requests: number;
  /** Refresh calls the bank received, per run. */
  refreshCalls: Figure;
  totalMs: Figure;
  /** Requests answered 200, per run. */
  succeeded: Figure;
}

export interface RefreshStormResult {
  sqlite: StormResult;
  redis: StormResult | { notMeasured: string };
}

export interface RefreshStormOptions {
  requests?: number;
  runs?: number;
}

async function storm(
  mode: 'sqlite' | 'redis',
  store: string | undefined,
  instances: number,
  options: Required<RefreshStormOptions>,
): Promise<StormResult> {
  const pki = await loadTestPki();
  const admin = createMtlsAgent(pki);
  const client = new Agent({ connections: null, keepAliveTimeout: 30_000 });
  const stack = await startStack({ instances, ...(store ? { store } : {}) });
  try {
    const adminCall = async (method: string, route: string, body?: unknown) => {
      const response = await request(`${stack.sandbox.info.mtlsOrigin}/__admin${route}`, {
        method: method as 'GET',
        dispatcher: admin,
        ...(body === undefined
          ? {}
          : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
      const text = await response.body.text();
      if (response.statusCode >= 300) throw new Error(`admin ${route}: ${response.statusCode}`);
      return text ? (JSON.parse(text) as Record<string, number>) : {};
    };
    const urls = stack.bffs.map((bff) => bff.info.url);
    const session = await connectThroughBff(urls[0] ?? '', BANK);
    const key = await benchPageKey();
    const calls: number[] = [];
    const totals: number[] = [];
    const succeeded: number[] = [];
    for (let run = 0; run < options.runs; run++) {
      await adminCall('POST', `/banks/${BANK}/clock`, { advanceSeconds: 400 });
      await adminCall('DELETE', `/banks/${BANK}/calls`);
      const started = performance.now();
      const statuses = await Promise.all(
        Array.from({ length: options.requests }, async (_, index) => {
          const url = `${urls[index % urls.length] ?? ''}/v1/accounts`;
          const headers = partnerHeadersSync(key, 'GET', url, session.sessionHandle);
          const response = await request(url, { headers, dispatcher: client });
          await response.body.text();
          return response.statusCode;
        }),
      );
      totals.push(performance.now() - started);
      succeeded.push(statuses.filter((status) => status === 200).length);
      calls.push((await adminCall('GET', `/banks/${BANK}/calls`))[REFRESH_CALL] ?? 0);
    }
    return {
      mode,
      instances,
      requests: options.requests,
      refreshCalls: summarise(calls),
      totalMs: summarise(totals),
      succeeded: summarise(succeeded),
    };
  } finally {
    await stack.stop();
    await client.close();
    await admin.close();
  }
}

/** Whether the Redis store and the test Redis helper exist (another change adds them). */
function redisAvailable(): string | undefined {
  const files = [
    '../../backend-for-frontend/sessions/redis-store.ts',
    '../support/redis-server.ts',
  ];
  const missing = files.filter(
    (file) => !existsSync(fileURLToPath(new URL(file, import.meta.url))),
  );
  return missing.length > 0 ? `missing ${missing.join(', ')}` : undefined;
}

export async function measureRefreshStorm(
  options: RefreshStormOptions = {},
): Promise<RefreshStormResult> {
  const settings = { requests: options.requests ?? 1_000, runs: options.runs ?? 3 };
  const sqlite = await storm('sqlite', undefined, 1, settings);
  const missing = redisAvailable();
  if (missing) return { sqlite, redis: { notMeasured: missing } };
  try {
    const { startTestRedis } = await import('../support/redis-server.js');
    const redis = await startTestRedis();
    try {
      return { sqlite, redis: await storm('redis', redis.url, 2, settings) };
    } finally {
      await redis.dispose();
    }
  } catch (error) {
    return {
      sqlite,
      redis: { notMeasured: error instanceof Error ? error.message : String(error) },
    };
  }
}
