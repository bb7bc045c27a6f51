/**
 * Two BFF instances on one Redis session store, as behind a load balancer without sticky
 * sessions: a session created through one works through the other, and a burst of requests on an
 * expired access token, split across both, causes exactly one refresh at the bank. Azur rotates
 * refresh tokens and treats a rotated-out one coming back as theft, so a second refresh would end
 * the consent and fail the burst.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SessionInfo } from '../../backend-for-frontend/contract/index.js';
import { flowRequestBody, readError, startTestBff, type TestBff } from '../support/bff.js';
import { startTestRedis, type TestRedis } from '../support/redis-server.js';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.js';

const REQUESTS = 200;
const SLOW_TOKEN_MS = 300;

describe('several BFF instances on one Redis', () => {
  let sandbox: TestSandbox;
  let redis: TestRedis;
  let first: TestBff;
  let second: TestBff;
  before(async () => {
    redis = await startTestRedis();
    sandbox = await startTestSandbox();
    // A generous bank timeout: the test counts refreshes, and a loaded CI machine is slow.
    const env = {
      BFF_SESSION_STORE: redis.url,
      BFF_LOG_LEVEL: 'warn',
      BFF_BANK_TIMEOUT_MS: '60000',
    };
    first = await startTestBff(sandbox, { env });
    second = await startTestBff(sandbox, { env });
  });
  after(async () => {
    await first?.stop();
    await second?.stop();
    await sandbox?.stop();
    await redis?.dispose();
  });

  const countCalls = async (bank: string) =>
    (await (await sandbox.admin('GET', `/banks/${bank}/calls`)).json()) as Record<string, number>;

  it('serves a session created through one instance from the other', async () => {
    const session = await first.connect('lumiere');
    const response = await second.call('GET', '/v1/session', { handle: session.sessionHandle });
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as SessionInfo).aspsp, 'lumiere');
    assert.equal(
      (await second.call('GET', '/v1/accounts', { handle: session.sessionHandle })).status,
      200,
    );
  });

  it('uses the tokens another instance refreshed, and nothing of a session another ended', async () => {
    const session = await first.connect('azur');
    const read = (bff: TestBff) =>
      bff.call('GET', '/v1/accounts', { handle: session.sessionHandle });
    try {
      // The first instance has used (and unsealed) the session's tokens.
      assert.equal((await read(first)).status, 200);
      await sandbox.admin('POST', '/banks/azur/clock', { advanceSeconds: 400 });
      await sandbox.admin('DELETE', '/banks/azur/calls');
      // The second refreshes: the store holds new tokens, the old access token is expired.
      assert.equal((await read(second)).status, 200);
      // The first must present the new token: an old one kept in its memory would meet a 401
      // and make it refresh a second time.
      assert.equal((await read(first)).status, 200);
      const counted = await countCalls('azur');
      assert.equal(counted['POST /token refresh_token'], 1, 'one refresh, by the second instance');
      const ended = await second.call('DELETE', '/v1/session', { handle: session.sessionHandle });
      assert.equal(ended.status, 204);
      const afterEnd = await read(first);
      assert.equal(afterEnd.status, 401);
      assert.equal((await readError(afterEnd)).error, 'session_required');
    } finally {
      await sandbox.admin('POST', '/reset');
    }
  });

  it(`refreshes once for ${REQUESTS} concurrent requests split across two instances`, async (t) => {
    const session = await first.connect('azur');
    // Azur's access tokens live 300 s: move the bank's clock past them.
    await sandbox.admin('POST', '/banks/azur/clock', { advanceSeconds: 400 });
    await sandbox.admin('DELETE', '/banks/azur/calls');
    // A slow token endpoint keeps one instance's refresh in flight while the other instance's
    // requests meet the expired token: without a shared lock, both would refresh.
    await sandbox.admin('PUT', '/banks/azur/scenario', { slowTokenMs: SLOW_TOKEN_MS });
    try {
      const started = performance.now();
      const responses = await Promise.all(
        Array.from({ length: REQUESTS }, (_, index) =>
          (index % 2 === 0 ? first : second).call('GET', '/v1/accounts', {
            handle: session.sessionHandle,
          }),
        ),
      );
      const wallMs = performance.now() - started;
      const outcomes = await Promise.all(
        responses.map(async (response) => {
          if (response.status !== 200) {
            return `${response.status} ${(await readError(response)).error}`;
          }
          await response.arrayBuffer();
          return '200';
        }),
      );
      assert.deepEqual([...new Set(outcomes)], ['200']);
      const counted = await countCalls('azur');
      assert.equal(counted['POST /token refresh_token'], 1, 'exactly one refresh at the bank');
      await sandbox.admin('PUT', '/banks/azur/scenario', {});
      t.diagnostic(
        `${REQUESTS} requests over 2 instances: all 200, ${counted['POST /token refresh_token']} refresh, ${Math.round(wallMs)} ms wall time`,
      );
      // The rotated refresh token reached the store: a later refresh from either side works.
      await sandbox.admin('POST', '/banks/azur/clock', { advanceSeconds: 400 });
      assert.equal(
        (await second.call('GET', '/v1/accounts', { handle: session.sessionHandle })).status,
        200,
      );
      const info = (await (
        await first.call('GET', '/v1/session', { handle: session.sessionHandle })
      ).json()) as SessionInfo;
      assert.equal(info.status, 'active');
    } finally {
      await sandbox.admin('POST', '/reset');
    }
  });

  it('holds the flow limit across both instances: one address gets the limit, not twice it', async () => {
    // Database 3 of the same server: the flows the other tests started are counted elsewhere.
    const env = {
      BFF_SESSION_STORE: `${redis.url}/3`,
      BFF_LOG_LEVEL: 'warn',
      BFF_HOST: '127.0.0.1',
      BFF_FLOWS_PER_MINUTE: '4',
    };
    const limitedA = await startTestBff(sandbox, { env });
    const limitedB = await startTestBff(sandbox, { env });
    try {
      const statuses = [];
      for (let index = 0; index < 8; index += 1) {
        const response = await (index % 2 === 0 ? limitedA : limitedB).call('POST', '/v1/flows', {
          body: flowRequestBody(),
        });
        statuses.push(response.status);
        if (response.status === 429) {
          assert.equal((await readError(response)).error, 'rate_limited');
          assert.ok(Number(response.headers.get('retry-after')) >= 1);
        }
      }
      assert.deepEqual(statuses, [201, 201, 201, 201, 429, 429, 429, 429]);
      assert.match(
        (await limitedA.call('POST', '/v1/flows', { body: flowRequestBody() })).headers.get(
          'ratelimit',
        ) ?? '',
        /limit=4, remaining=0/,
      );
    } finally {
      await limitedA.stop();
      await limitedB.stop();
    }
  });
});
