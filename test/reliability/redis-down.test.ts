/**
 * Redis going away under a running BFF: requests that need the store answer 503
 * `session_store_unavailable` quickly instead of hanging, the process stays up, `/readyz` says
 * not ready; when Redis comes back (empty: persistence is off here) the BFF reconnects by itself.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readError, startTestBff, type TestBff } from '../support/bff.js';
import { startTestRedis, type TestRedis } from '../support/redis-server.js';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.js';

/** How fast a request must fail while Redis is down. */
const UNAVAILABLE_BOUND_MS = 2_000;

const FLOW_BODY = {
  aspsp: 'lumiere',
  scopes: ['aisp'],
  state: 's'.repeat(43),
  codeChallenge: 'c'.repeat(43),
  codeChallengeMethod: 'S256',
  mode: 'redirect',
  returnTo: 'https://partner.example/connect',
};

describe('the BFF when Redis goes down and comes back', () => {
  let sandbox: TestSandbox;
  let redis: TestRedis;
  let bff: TestBff;
  before(async () => {
    redis = await startTestRedis();
    sandbox = await startTestSandbox();
    bff = await startTestBff(sandbox, {
      env: { BFF_SESSION_STORE: redis.url, BFF_LOG_LEVEL: 'warn' },
    });
  });
  after(async () => {
    await bff?.stop();
    await sandbox?.stop();
    await redis?.dispose();
  });

  /** Calls the BFF and measures how long the answer took. */
  const timeCall = async (...args: Parameters<TestBff['call']>) => {
    const started = performance.now();
    const response = await bff.call(...args);
    return { response, ms: performance.now() - started };
  };

  it('answers 503 session_store_unavailable quickly, stays up, and recovers', async (t) => {
    const session = await bff.connect('lumiere');
    assert.equal((await bff.call('GET', '/readyz')).status, 200);

    await redis.stop();
    const outage = await Promise.all([
      timeCall('GET', '/v1/session', { handle: session.sessionHandle }),
      timeCall('GET', '/v1/accounts', { handle: session.sessionHandle }),
      timeCall('POST', '/v1/flows', { body: FLOW_BODY }),
      timeCall('GET', '/readyz'),
    ]);
    for (const { response, ms } of outage) {
      assert.equal(response.status, 503, response.url);
      assert.equal((await readError(response)).error, 'session_store_unavailable');
      assert.ok(ms < UNAVAILABLE_BOUND_MS, `${response.url} answered in ${Math.round(ms)} ms`);
    }
    t.diagnostic(
      `503 within ${Math.round(Math.max(...outage.map(({ ms }) => ms)))} ms while Redis is down`,
    );
    // Later calls, once the client knows it is disconnected, fail as fast.
    const again = await timeCall('GET', '/v1/session', { handle: session.sessionHandle });
    assert.equal(again.response.status, 503);
    assert.ok(again.ms < UNAVAILABLE_BOUND_MS);
    assert.equal((await bff.call('GET', '/healthz')).status, 200, 'the process is alive');

    await redis.start();
    const started = performance.now();
    const deadline = Date.now() + 10_000;
    while ((await bff.call('GET', '/readyz')).status !== 200) {
      assert.ok(Date.now() < deadline, '/readyz became 200 again within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    t.diagnostic(`ready again ${Math.round(performance.now() - started)} ms after Redis restarted`);
    // Without persistence the old session is gone: the customer connects again, and that works.
    const gone = await bff.call('GET', '/v1/session', { handle: session.sessionHandle });
    assert.equal((await readError(gone)).error, 'session_required');
    const fresh = await bff.connect('lumiere');
    assert.equal(
      (await bff.call('GET', '/v1/accounts', { handle: fresh.sessionHandle })).status,
      200,
    );
    assert.match(bff.logs.join(''), /session store unreachable/);
  });
});
