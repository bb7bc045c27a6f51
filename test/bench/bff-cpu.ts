/**
 * CPU per proxied request: the BFF process's own CPU time (`process.cpuUsage()`, read in the
 * child) per `GET /v1/accounts`, each with a fresh DPoP proof, at a fixed rate well below
 * saturation, so that neither the load generator nor the bank is counted and nothing queues.
 * Beside it, in the same run, the floor: a bare client process that signs the same bank request
 * with the same code and key and sends it over mutual TLS (support/floor-child.ts), at the same
 * rate. What the BFF spends above the floor is its own: the browser-facing HTTP server, the proof,
 * the session, the normalisation.
 *
 *   npx tsx test/bench/bff-cpu.ts          the figures as JSON
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { readCpuMicros, sendAtRate } from './support/cpu.js';
import type { FloorChildInfo, FloorRun } from './support/floor-child.js';
import { startChild } from './support/processes.js';
import {
  benchPageKey,
  connectThroughBff,
  partnerHeadersSync,
  startStack,
} from './support/stack.js';
import { summarise, type Figure } from './support/stats.js';

export interface BffCpuResult {
  bank: string;
  ratePerSecond: number;
  durationMs: number;
  /** CPU microseconds of the BFF process per request. */
  bffUsPerRequest: Figure;
  /** CPU microseconds of the bare client per request: one signature and one mTLS request. */
  floorUsPerRequest: Figure;
  /** BFF / floor, per run pair. */
  ratio: Figure;
  failed: number;
}

const FLOOR_SCRIPT = fileURLToPath(new URL('./support/floor-child.ts', import.meta.url));

export async function measureBffCpu(
  options: { rate?: number; durationMs?: number; runs?: number } = {},
): Promise<BffCpuResult> {
  const bank = 'mistral';
  const rate = options.rate ?? 100;
  const durationMs = options.durationMs ?? 5_000;
  const runs = options.runs ?? 5;
  const stack = await startStack({ connectAt: bank });
  const token = stack.sandbox.info.accessToken;
  const [bff] = stack.bffs;
  if (!bff || !token) throw new Error('the stack did not start a BFF and a bank session');
  const floor = await startChild<FloorChildInfo>(FLOOR_SCRIPT, {
    env: {
      BENCH_MTLS_ORIGIN: stack.sandbox.info.mtlsOrigin,
      BENCH_TOKEN: token,
      BENCH_BANK: bank,
    },
  });
  const pool = new Pool(bff.info.url);
  try {
    const session = await connectThroughBff(bff.info.url, bank);
    const key = await benchPageKey();
    const url = `${bff.info.url}/v1/accounts`;
    const readViaBff = async () => {
      const response = await pool.request({
        method: 'GET',
        path: '/v1/accounts',
        headers: partnerHeadersSync(key, 'GET', url, session.sessionHandle),
      });
      await response.body.text();
      return response.statusCode === 200;
    };
    const viaBff = async () => {
      const before = await readCpuMicros(bff.info.cpuUrl);
      const result = await sendAtRate(readViaBff, { rate, durationMs });
      return { ...result, cpuMicros: (await readCpuMicros(bff.info.cpuUrl)) - before };
    };
    const viaFloor = async (): Promise<FloorRun> =>
      (
        await fetch(`${floor.info.url}/run?rate=${rate}&ms=${durationMs}`)
      ).json() as Promise<FloorRun>;
    // Warm both (JIT, TLS sessions, caches) before anything is recorded.
    await viaBff();
    await viaFloor();
    const bffUs: number[] = [];
    const floorUs: number[] = [];
    let failed = 0;
    for (let run = 0; run < runs; run++) {
      for (const side of run % 2 === 0 ? ['bff', 'floor'] : ['floor', 'bff']) {
        const measured = side === 'bff' ? await viaBff() : await viaFloor();
        failed += measured.sent - measured.ok;
        (side === 'bff' ? bffUs : floorUs).push(measured.cpuMicros / measured.sent);
      }
    }
    return {
      bank,
      ratePerSecond: rate,
      durationMs,
      bffUsPerRequest: summarise(bffUs),
      floorUsPerRequest: summarise(floorUs),
      ratio: summarise(bffUs.map((value, index) => value / (floorUs[index] ?? value))),
      failed,
    };
  } finally {
    await pool.close();
    await floor.stop();
    await stack.stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) {
  process.stdout.write(`${JSON.stringify(await measureBffCpu(), null, 2)}\n`);
}
