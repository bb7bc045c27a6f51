/**
 * Killing a BFF instance mid-traffic loses no session and no refresh token, with the SQLite store
 * and with the Redis store: a new instance on the same store serves every session, through a
 * refresh with rotation (the bank would refuse a rotated-out refresh token and end the consent).
 * And the Redis refresh lock survives its holder's crash: the lease ends it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'redis';
import type { SessionInfo } from '../../backend-for-frontend/contract/index.js';
import { RedisSessionStore } from '../../backend-for-frontend/sessions/redis-store.js';
import type { RefreshLock } from '../../backend-for-frontend/sessions/refresh-lock.js';
import { startTestBff, type TestBff } from '../support/bff.js';
import { startTestRedis, type TestRedis } from '../support/redis-server.js';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.js';

/** Each bank's access-token lifetime plus a margin: moving its clock by this expires the token. */
const EXPIRE_SECONDS = { azur: 400, mistral: 1_000, bocage: 3_700 } as const;
type Bank = keyof typeof EXPIRE_SECONDS;
const BANKS: Bank[] = ['azur', 'azur', 'mistral', 'bocage'];
const REQUESTS_PER_SESSION = 15;

/** Polls `condition` until it holds or the deadline passes; no fixed sleep. */
async function waitFor(condition: () => Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Stops an instance the hard way: drops its connections and closes its store under its feet. */
async function killInstance(bff: TestBff): Promise<void> {
  bff.server.closeAllConnections();
  bff.server.close();
  await bff.app.bankConnect.close();
}

describe('killing an instance mid-traffic', () => {
  let sandbox: TestSandbox;
  let redis: TestRedis;
  before(async () => {
    redis = await startTestRedis();
    sandbox = await startTestSandbox();
  });
  after(async () => {
    await sandbox?.stop();
    await redis?.dispose();
  });

  const countCalls = async (bank: string) =>
    (await (await sandbox.admin('GET', `/banks/${bank}/calls`)).json()) as Record<string, number>;

  /** The same scenario for both stores; `store` is the BFF_SESSION_STORE both instances share. */
  async function killAndRestart(
    store: (dir: string) => string,
    t: { diagnostic(m: string): void },
  ) {
    const dir = await mkdtemp(path.join(tmpdir(), 'bff-restart-'));
    const env = {
      BFF_SESSION_STORE: store(dir),
      BFF_LOG_LEVEL: 'silent',
      // Generous: a loaded CI machine must not turn this test into a bank-timeout test.
      BFF_BANK_TIMEOUT_MS: '20000',
    };
    let replacement: TestBff | undefined;
    try {
      const doomed = await startTestBff(sandbox, { dir, env });
      const sessions = [];
      for (const bank of BANKS) sessions.push({ bank, ...(await doomed.connect(bank)) });
      await sandbox.admin('DELETE', '/banks/azur/calls');
      // Slow bank APIs keep requests in flight when the instance dies.
      await sandbox.admin('PUT', '/banks/azur/scenario', { slowApiMs: 200 });
      let answered = 0;
      const traffic = sessions.flatMap((session) =>
        Array.from({ length: REQUESTS_PER_SESSION }, () =>
          doomed
            .call('GET', '/v1/accounts', { handle: session.sessionHandle })
            .then(async (response) => {
              await response.arrayBuffer();
              answered += 1;
              return response.status;
            })
            .catch(() => 'network error'),
        ),
      );
      // Kill once some requests were answered while azur's are still in flight at the bank.
      await waitFor(
        async () => answered >= 5 && ((await countCalls('azur'))['GET /accounts'] ?? 0) > 0,
        5_000,
        'requests answered and others in flight',
      );
      await killInstance(doomed);
      const outcomes = await Promise.all(traffic);
      await sandbox.admin('PUT', '/banks/azur/scenario', {});
      const tally = outcomes.reduce<Record<string, number>>(
        (counts, outcome) => ({ ...counts, [outcome]: (counts[outcome] ?? 0) + 1 }),
        {},
      );
      t.diagnostic(`outcomes while killed: ${JSON.stringify(tally)}`);
      assert.ok(
        outcomes.some((outcome) => outcome !== 200),
        'the kill interrupted some requests',
      );
      assert.ok(
        outcomes.some((outcome) => outcome === 200),
        'some requests were served before the kill',
      );
      assert.equal(tally[401] ?? 0, 0, 'no request ended a consent');

      replacement = await startTestBff(sandbox, { dir, env });
      const next = replacement;
      for (const session of sessions) {
        const info = await next.call('GET', '/v1/session', { handle: session.sessionHandle });
        assert.equal(info.status, 200);
        assert.equal(((await info.json()) as SessionInfo).status, 'active');
      }
      // Two refreshes in a row per session: the second works only if the first one's rotated
      // refresh token was stored.
      for (let round = 1; round <= 2; round++) {
        for (const bank of new Set(BANKS)) {
          await sandbox.admin('POST', `/banks/${bank}/clock`, {
            advanceSeconds: EXPIRE_SECONDS[bank],
          });
          await sandbox.admin('DELETE', `/banks/${bank}/calls`);
        }
        for (const session of sessions) {
          const response = await next.call('GET', '/v1/accounts', {
            handle: session.sessionHandle,
          });
          assert.equal(response.status, 200, `${session.bank}, refresh ${round}`);
        }
        assert.equal(
          (await countCalls('azur'))['POST /token refresh_token'],
          2,
          'two azur sessions',
        );
        assert.equal((await countCalls('mistral'))['POST /token refresh_token'], 1);
      }
    } finally {
      await sandbox.admin('POST', '/reset');
      await replacement?.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }

  it('keeps every session and refresh token across a kill (SQLite)', async (t) => {
    await killAndRestart((dir) => `sqlite:${path.join(dir, 'sessions.sqlite')}`, t);
  });

  it('keeps every session and refresh token across a kill (Redis)', async (t) => {
    await killAndRestart(() => redis.url, t);
  });
});

describe('the Redis refresh lock', () => {
  const LEASE_MS = 300;
  let redis: TestRedis;
  let raw: ReturnType<typeof createClient>;
  const stores: RedisSessionStore[] = [];
  before(async () => {
    redis = await startTestRedis();
    raw = createClient({ url: redis.url });
    await raw.connect();
  });
  after(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await raw?.close();
    await redis?.dispose();
  });

  const openLock = (waitMs: number): { store: RedisSessionStore; lock: RefreshLock } => {
    const store = new RedisSessionStore(redis.url, {
      prefix: 'lock:',
      lockLeaseMs: LEASE_MS,
      lockWaitMs: waitMs,
    });
    stores.push(store);
    assert.ok(store.refreshLock);
    return { store, lock: store.refreshLock };
  };

  it('keeps a live holder’s lock past its lease, and frees a crashed holder’s after it', async () => {
    const holder = openLock(1_000);
    const other = openLock(3 * LEASE_MS);
    await holder.lock.acquire('crash');
    // The holder renews while it lives: waiting three leases is not enough to get the lock.
    await assert.rejects(other.lock.acquire('crash'), { code: 'bank_timeout' });
    // The holder crashes without releasing: its client goes away, so does the renewal.
    await holder.store.close();
    const waiter = openLock(5 * LEASE_MS);
    const started = Date.now();
    const release = await waiter.lock.acquire('crash');
    const waited = Date.now() - started;
    assert.ok(waited <= LEASE_MS + 200, `got the lock ${waited} ms after the crash`);
    await release();
    assert.equal(await raw.exists('lock:refresh-lock:crash'), 0, 'the owner released it');
  });

  it('never releases a lock that another owner holds now', async () => {
    const { lock } = openLock(1_000);
    const release = await lock.acquire('stolen');
    // As if the lease had run out and another instance had taken the lock since.
    await raw.set('lock:refresh-lock:stolen', 'someone-else');
    await release();
    assert.equal(await raw.get('lock:refresh-lock:stolen'), 'someone-else');
    await raw.del('lock:refresh-lock:stolen');
  });
});
