/**
 * BFF overhead: `GET /v1/accounts` through the BFF (a DPoP proof verified and its jti recorded,
 * session lookup, unsealing, signing, mTLS to the bank, normalisation) against the same call made
 * straight to the sandbox bank over mTLS by a small hand-written client that signs each request
 * afresh (its own X-Request-ID, Date and signature, with the BFF's `signRequest` and QSealC key),
 * as every real STET client must: the honest baseline. The old baseline, one request signed once
 * and replayed, which no real client can send, is kept beside it as `directReplayed`. Same
 * concurrency, same duration, runs rotating, in one process run. The sandbox and the BFF run in
 * child processes; this process only generates load (and signs the direct requests).
 */
import { createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import { signRequest } from '../../backend-for-frontend/stet/http-signature.js';
import { SANDBOX_BANKS } from '../../demo/sandbox/banks.js';
import { loadTestPki } from '../support/pki.js';
import { CLIENT_ID, QSEALC_URL } from '../support/sandbox.js';
import { runLoad, type LoadResult, type LoadTarget } from './support/load.js';
import {
  benchPageKey,
  connectThroughBff,
  partnerHeadersSync,
  startStack,
} from './support/stack.js';
import { summarise, type Figure } from './support/stats.js';

export interface BffOverheadOptions {
  bank?: string;
  connections?: number;
  durationMs?: number;
  runs?: number;
  /** Writes the BFF's CPU profile into this folder. */
  cpuProfileDir?: string;
}

export interface BffOverheadResult {
  bank: string;
  connections: number;
  durationMs: number;
  bff: Side;
  /** The honest baseline: each request signed afresh. */
  direct: Side;
  /** The old baseline, a request signed once and replayed: a reference, not a real client. */
  directReplayed: Side;
  /** BFF throughput / direct throughput, per run pair. */
  throughputRatio: Figure;
  /** BFF p50 minus direct p50, per run pair (ms). */
  addedP50Ms: Figure;
  addedP99Ms: Figure;
  /** BFF throughput / replayed-signature throughput, per run pair. */
  throughputRatioReplayed: Figure;
  /**
   * The same pair at one connection, where nothing queues: what the BFF adds to a single request.
   * At 10 connections both sides run the machine flat out, so their latencies there are mostly
   * queueing (connections / throughput) and restate the throughput ratio.
   */
  unloaded: {
    durationMs: number;
    bffP50Ms: Figure;
    directP50Ms: Figure;
    directReplayedP50Ms: Figure;
    addedP50Ms: Figure;
    addedP99Ms: Figure;
  };
}

interface Side {
  throughput: Figure;
  p50Ms: Figure;
  p99Ms: Figure;
  errors: number;
}

/** The direct request's headers, signed now (the bank accepts a Date within ±300 s). */
export async function signDirect(
  bankId: string,
  mtlsOrigin: string,
  token: string,
  key: KeyObject,
): Promise<{ origin: string; path: string; headers: Record<string, string> }> {
  const bank = SANDBOX_BANKS.find((candidate) => candidate.id === bankId);
  if (!bank) throw new Error(`no sandbox bank ${bankId}`);
  const url = new URL(`${mtlsOrigin}/${bankId}/v1/accounts`);
  const profile = bank.profile.signature;
  const headers = await signRequest(
    {
      method: 'GET',
      url,
      headers: {
        'X-Request-ID': randomUUID(),
        // The customer's context, as the BFF forwards it from the page's browser: every bank
        // that requires some of it (mistral: PSU-User-Agent) gets what it requires.
        'PSU-IP-Address': '192.0.2.10',
        'PSU-HTTP-Method': 'GET',
        'PSU-User-Agent': 'Mozilla/5.0 (bench)',
        'PSU-Accept-Language': 'fr-FR',
        Accept: 'application/hal+json',
        Authorization: `Bearer ${token}`,
      },
    },
    {
      keyId: profile.keyId === 'client-id' ? CLIENT_ID : QSEALC_URL,
      privateKey: key,
    },
    profile,
  );
  return { origin: url.origin, path: url.pathname, headers };
}

export async function measureBffOverhead(
  options: BffOverheadOptions = {},
): Promise<BffOverheadResult> {
  const bank = options.bank ?? 'mistral';
  const connections = options.connections ?? 10;
  const durationMs = options.durationMs ?? 10_000;
  const runs = options.runs ?? 3;
  const pki = await loadTestPki();
  const stack = await startStack({
    connectAt: bank,
    ...(options.cpuProfileDir ? { cpuProfileDir: options.cpuProfileDir } : {}),
  });
  try {
    const [bff] = stack.bffs;
    const token = stack.sandbox.info.accessToken;
    if (!bff || !token) throw new Error('the stack did not start a BFF and a bank session');
    const session = await connectThroughBff(bff.info.url, bank);
    const key = await benchPageKey();
    const viaBff: LoadTarget = {
      origin: bff.info.url,
      path: '/v1/accounts',
      // A fresh proof for every request, as the page signs one: the BFF verifies each.
      headers: () =>
        partnerHeadersSync(key, 'GET', `${bff.info.url}/v1/accounts`, session.sessionHandle),
    };
    const tls = { ca: pki['ca.pem'], cert: pki['tpp-qwac.pem'], key: pki['tpp-qwac-key.pem'] };
    const qsealcKey = createPrivateKey(pki['tpp-qsealc-key.pem']);
    const sign = () => signDirect(bank, stack.sandbox.info.mtlsOrigin, token, qsealcKey);
    const { origin, path } = await sign();
    // The honest client: a fresh X-Request-ID, Date and signature for every request.
    const direct: LoadTarget = {
      origin,
      path,
      headers: async () => (await sign()).headers,
      tls,
    };
    const replayed = async (): Promise<LoadTarget> => ({ ...(await sign()), tls });
    // Warm every path (JIT, TLS sessions, SQLite cache) before anything is recorded.
    await runLoad(viaBff, { connections, durationMs: 1_000 });
    await runLoad(direct, { connections, durationMs: 1_000 });
    await runLoad(await replayed(), { connections, durationMs: 1_000 });
    const runPairs = async (load: { connections: number; durationMs: number }) => {
      const bffRuns: LoadResult[] = [];
      const directRuns: LoadResult[] = [];
      const replayedRuns: LoadResult[] = [];
      for (let run = 0; run < runs; run++) {
        // Rotate which goes first, so a drifting machine penalises no side.
        const sides = ['bff', 'direct', 'replayed'];
        const order = [...sides.slice(run % 3), ...sides.slice(0, run % 3)];
        for (const side of order) {
          if (side === 'bff') bffRuns.push(await runLoad(viaBff, load));
          else if (side === 'direct') directRuns.push(await runLoad(direct, load));
          else replayedRuns.push(await runLoad(await replayed(), load));
        }
      }
      return { bffRuns, directRuns, replayedRuns };
    };
    const { bffRuns, directRuns, replayedRuns } = await runPairs({ connections, durationMs });
    const unloadedMs = Math.min(durationMs, 3_000);
    const unloaded = await runPairs({ connections: 1, durationMs: unloadedMs });
    const pick = (results: LoadResult[], field: 'throughput' | 'p50Ms' | 'p99Ms') =>
      summarise(results.map((result) => result[field]));
    const side = (results: LoadResult[]) => ({
      throughput: pick(results, 'throughput'),
      p50Ms: pick(results, 'p50Ms'),
      p99Ms: pick(results, 'p99Ms'),
      errors: results.reduce((sum, result) => sum + result.errors, 0),
    });
    const paired = (
      compute: (bffRun: LoadResult, directRun: LoadResult) => number,
      pairs: { bffRuns: LoadResult[]; directRuns: LoadResult[] } = { bffRuns, directRuns },
    ) =>
      summarise(
        pairs.bffRuns.map((bffRun, index) => compute(bffRun, pairs.directRuns[index] ?? bffRun)),
      );
    return {
      bank,
      connections,
      durationMs,
      bff: side(bffRuns),
      direct: side(directRuns),
      directReplayed: side(replayedRuns),
      throughputRatio: paired((b, d) => b.throughput / d.throughput),
      throughputRatioReplayed: paired((b, d) => b.throughput / d.throughput, {
        bffRuns,
        directRuns: replayedRuns,
      }),
      addedP50Ms: paired((b, d) => b.p50Ms - d.p50Ms),
      addedP99Ms: paired((b, d) => b.p99Ms - d.p99Ms),
      unloaded: {
        durationMs: unloadedMs,
        bffP50Ms: pick(unloaded.bffRuns, 'p50Ms'),
        directP50Ms: pick(unloaded.directRuns, 'p50Ms'),
        directReplayedP50Ms: pick(unloaded.replayedRuns, 'p50Ms'),
        addedP50Ms: paired((b, d) => b.p50Ms - d.p50Ms, unloaded),
        addedP99Ms: paired((b, d) => b.p99Ms - d.p99Ms, unloaded),
      },
    };
  } finally {
    await stack.stop();
  }
}
