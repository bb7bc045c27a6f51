/**
 * A bounded soak on loopback: autocannon against `GET /v1/accounts` with a valid handle for a
 * fixed time (20 s; `SOAK_SECONDS` raises it, up to 60), every answer a 2xx, and the heap
 * sampled after a warm-up and after the soak. The BFF, the sandbox banks and autocannon share
 * this process, so the heap figures cover all three.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import autocannon from 'autocannon';
import { PARTNER_ORIGIN, startTestBff, type TestBff } from '../support/bff.js';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.js';
import { waitFor } from './support/harness.js';

const SOAK_SECONDS = Math.min(60, Math.max(5, Number(process.env.SOAK_SECONDS ?? 20) || 20));
const WARMUP_SECONDS = 3;
const CONNECTIONS = 10;
const HEAP_GROWTH_BOUND_MB = 64;
const MB = 1024 * 1024;

/** A real collection when Node allows one: `--expose-gc`, or the V8 flag set at run time. */
function findGc(): { gc: (() => void) | undefined; how: string } {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return { gc: exposed, how: 'global.gc' };
  try {
    setFlagsFromString('--expose-gc');
    return { gc: runInNewContext('gc') as () => void, how: 'V8 --expose-gc set at run time' };
  } catch {
    return { gc: undefined, how: 'none (settle loop only)' };
  }
}

describe('soak: GET /v1/accounts under sustained load', () => {
  let sandbox: TestSandbox;
  let bff: TestBff;
  let handle = '';
  before(async () => {
    sandbox = await startTestSandbox();
    // Request logs would accumulate in the test's in-memory log sink: keep only warnings.
    bff = await startTestBff(sandbox, { env: { BFF_LOG_LEVEL: 'warn' } });
    // Lumière's access tokens last the consent: no refresh during the run.
    handle = (await bff.connect('lumiere')).sessionHandle;
  });
  after(async () => {
    await bff.stop();
    await sandbox.stop();
  });

  const { gc, how } = findGc();

  const openConnections = () =>
    new Promise<number>((resolve, reject) =>
      bff.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
    );

  /** Waits until every load connection has closed and the event loop has drained, then samples. */
  const settledHeap = async (baseline: number): Promise<number> => {
    // The test's own keep-alive connections (from connecting the session) may stay open.
    await waitFor(
      async () => (await openConnections()) <= baseline,
      'the load connections to close',
      15_000,
    );
    let previous = Number.POSITIVE_INFINITY;
    for (let round = 0; round < 10; round++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      gc?.();
      const heap = process.memoryUsage().heapUsed;
      // Stop once a collection no longer frees anything noticeable.
      if (Math.abs(previous - heap) < MB) return heap;
      previous = heap;
    }
    return process.memoryUsage().heapUsed;
  };

  const load = (duration: number) =>
    autocannon({
      url: `${bff.url}/v1/accounts`,
      method: 'GET',
      headers: {
        Authorization: `DPoP ${handle}`,
        Origin: PARTNER_ORIGIN,
        'X-Bank-Connect': '1',
        // What the page's browser sends, which the bank wants as the customer's context.
        'User-Agent': 'Mozilla/5.0 (soak)',
        'Accept-Language': 'fr-FR',
      },
      // The page signs a fresh DPoP proof for every call: so does the load.
      requests: [
        {
          setupRequest: (request) => ({
            ...request,
            headers: {
              ...request.headers,
              DPoP: bff.dpopKey.signSync({
                htm: 'GET',
                htu: `${bff.url}/v1/accounts`,
                handle,
              }),
            },
          }),
        },
      ],
      connections: CONNECTIONS,
      duration,
      timeout: 10,
    });

  it(`serves ${SOAK_SECONDS} s of load with no error, no non-2xx and a bounded heap`, async () => {
    const baseline = await openConnections();
    const warmup = await load(WARMUP_SECONDS);
    assert.equal(warmup.errors + warmup.timeouts + warmup.non2xx, 0, 'the warm-up is clean');
    const before = await settledHeap(baseline);

    const result = await load(SOAK_SECONDS);
    const afterHeap = await settledHeap(baseline);

    const growth = (afterHeap - before) / MB;
    const figures = {
      duration: `${result.duration} s, ${CONNECTIONS} connections`,
      requests: result.requests.total,
      '2xx': result['2xx'],
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      throughput: `${result.requests.average.toFixed(0)} req/s, ${(result.throughput.average / 1024).toFixed(0)} KiB/s`,
      latency: `p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`,
      heap: `${(before / MB).toFixed(1)} MB after warm-up → ${(afterHeap / MB).toFixed(1)} MB after soak (${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MB)`,
      gc: how,
      note: 'heapUsed of one process: BFF, sandbox banks and autocannon together',
    };
    for (const [name, value] of Object.entries(figures)) console.log(`soak: ${name}: ${value}`);

    assert.ok(result.requests.total > SOAK_SECONDS, 'the load actually ran');
    assert.equal(result.errors, 0, 'no connection errors');
    assert.equal(result.timeouts, 0, 'no timeouts');
    assert.equal(result.non2xx, 0, 'every answer a 2xx');
    assert.equal(result['2xx'], result.requests.total);
    assert.ok(growth < HEAP_GROWTH_BOUND_MB, `heap grew by ${growth.toFixed(1)} MB`);
    // Still healthy and still serving after the load.
    assert.equal((await fetch(`${bff.url}/healthz`)).status, 200);
    const after = await bff.call('GET', '/v1/accounts', { handle });
    assert.equal(after.status, 200);
  });
});
