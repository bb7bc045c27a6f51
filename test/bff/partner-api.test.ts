/**
 * The partner-server API (`/partner/v1`): keys, the session list, and reads without the customer
 * within PSD2 RTS art. 36(5). The sandbox banks count unattended calls per consent and resource
 * and refuse the fifth in 24 hours with 429, as BPCE does; the BFF must never send that fifth.
 * The budget and the cache are run on both stores, since each counts in its own way.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type {
  AccountList,
  ApiError,
  BalanceList,
  PartnerSession,
  PartnerSessionList,
  SyncInfo,
  TransactionPage,
} from '../../backend-for-frontend/contract/index.js';
import { createPartnerKey } from '../../backend-for-frontend/partner/keys.js';
import { main as newKey } from '../../backend-for-frontend/partner/new-key.js';
import { readError, startTestBff, type TestBff } from '../support/bff.js';
import { startTestRedis, type TestRedis } from '../support/redis-server.js';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.js';

const DAY_MS = 86_400_000;
const current = createPartnerKey('sync-2026-12');
const other = createPartnerKey('reporting');

interface Synced<T> {
  data: T;
  sync: SyncInfo;
}

/** Calls `/partner/v1` as the partner's server does: no Origin, no CSRF header. */
function partner(bff: TestBff, method: string, path: string, key: string | null = current.key) {
  return bff.call(method, `/partner/v1${path}`, {
    origin: null,
    csrf: false,
    headers: key === null ? {} : { Authorization: `Bearer ${key}` },
  });
}

async function readSynced<T>(response: Response): Promise<Synced<T>> {
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()) as Synced<T>;
}

describe('the partner-server API', () => {
  let sandbox: TestSandbox;
  let redis: TestRedis;
  let offset = 0;
  const now = () => Date.now() + offset;
  const env = { BFF_PARTNER_KEYS: `${current.entry},${other.entry}` };

  before(async () => {
    sandbox = await startTestSandbox();
    redis = await startTestRedis();
  });
  after(async () => {
    await sandbox?.stop();
    await redis?.dispose();
  });

  /**
   * The calls the bank received at `endpoint` (`/accounts`, `/accounts/{id}/transactions`…),
   * refused ones included: a fifth unattended read would be counted here even though the bank
   * refuses it.
   */
  const bankCount = async (bank: string, endpoint: string) => {
    const calls = (await (await sandbox.admin('GET', `/banks/${bank}/calls`)).json()) as Record<
      string,
      number
    >;
    return calls[`GET ${endpoint}`] ?? 0;
  };

  /** The accesses the bank counted as made without the customer (no PSU header), in 24 h. */
  const unattendedCount = async (bank: string, resource: string) => {
    const { counters } = (await (
      await sandbox.admin('GET', `/banks/${bank}/unattended-accesses`)
    ).json()) as { counters: { resource: string; used: number }[] };
    return counters
      .filter((counter) => counter.resource === resource)
      .reduce((sum, counter) => sum + counter.used, 0);
  };

  describe('keys', () => {
    let bff: TestBff;
    before(async () => {
      offset = 0;
      bff = await startTestBff(sandbox, { env, now });
    });
    after(async () => {
      await bff.stop();
    });

    it('refuses a missing, malformed, wrong or session-handle key alike, naming no key', async () => {
      const session = await bff.connect('azur');
      const wrong = createPartnerKey('sync-2026-12').key;
      for (const key of [null, 'bcp_short', wrong, session.sessionHandle]) {
        const response = await partner(bff, 'GET', '/sessions', key);
        assert.equal(response.status, 401, String(key));
        assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer realm=/);
        const body = (await response.json()) as ApiError;
        assert.equal(body.error, 'api_key_required');
        const text = JSON.stringify(body);
        for (const name of ['sync-2026-12', 'reporting']) assert.ok(!text.includes(name));
      }
      const logs = bff.logs.join('');
      assert.ok(!logs.includes(wrong) && !logs.includes(current.key), 'no key in the logs');
    });

    it('accepts every configured key, and logs which one by name', async () => {
      for (const key of [current.key, other.key]) {
        assert.equal((await partner(bff, 'GET', '/sessions', key)).status, 200);
      }
      assert.ok(bff.logs.some((line) => line.includes('"partnerKey":"reporting"')));
      assert.ok(!bff.logs.join('').includes(other.key));
    });

    it('refuses any browser call, even with a valid key', async () => {
      const response = await bff.call('GET', '/partner/v1/sessions', {
        headers: { Authorization: `Bearer ${current.key}` },
      });
      assert.equal(response.status, 403);
      assert.equal((await readError(response)).error, 'origin_not_allowed');
    });

    it('is refused on the browser routes', async () => {
      const response = await bff.call('GET', '/v1/accounts', {
        headers: { Authorization: `Bearer ${current.key}` },
      });
      assert.equal(response.status, 401);
      const error = await readError(response);
      assert.equal(error.error, 'session_required');
      assert.match(error.message, /partner-server API/);
    });

    it('stops working once its entry is removed (rotation)', async () => {
      const rotated = await bff.restart();
      try {
        assert.equal((await partner(rotated, 'GET', '/sessions', other.key)).status, 200);
      } finally {
        await rotated.stop();
      }
      const without = await startTestBff(sandbox, {
        env: { BFF_PARTNER_KEYS: current.entry },
        now,
      });
      try {
        assert.equal((await partner(without, 'GET', '/sessions', other.key)).status, 401);
        assert.equal((await partner(without, 'GET', '/sessions', current.key)).status, 200);
      } finally {
        await without.stop();
      }
      bff = await startTestBff(sandbox, { env, now });
    });

    it('makes keys whose hash alone goes in the settings', () => {
      const lines: string[] = [];
      assert.equal(
        newKey(['nightly'], (line) => lines.push(line)),
        0,
      );
      const key = /\n {2}(bcp_\S+)/.exec(lines[0] ?? '')?.[1];
      const entry = /\n {2}(nightly:\S+)/.exec(lines[1] ?? '')?.[1];
      assert.ok(key && entry);
      assert.ok(!entry.includes(key.slice(4)), 'the entry holds a hash, not the key');
      assert.equal(
        newKey([], () => undefined),
        2,
      );
      assert.equal(
        newKey(['Not A Name'], () => undefined),
        2,
      );
    });
  });

  for (const storeName of ['sqlite', 'redis'] as const) {
    describe(`reads without the customer (${storeName})`, () => {
      let bff: TestBff;
      const storeEnv = () =>
        storeName === 'redis' ? { ...env, BFF_SESSION_STORE: redis.url } : env;
      before(async () => {
        offset = 0;
        bff = await startTestBff(sandbox, { env: storeEnv(), now });
      });
      after(async () => {
        await bff.stop();
      });

      it('lists sessions by their stable id, a page at a time, never with a handle', async () => {
        const connected = [await bff.connect('azur'), await bff.connect('mistral')];
        const seen: PartnerSession[] = [];
        let cursor: string | null = null;
        do {
          const path: string = `/sessions?limit=1${cursor ? `&cursor=${cursor}` : ''}`;
          const page = (await (await partner(bff, 'GET', path)).json()) as PartnerSessionList;
          assert.ok(page.sessions.length <= 1);
          seen.push(...page.sessions);
          cursor = page.nextCursor;
        } while (cursor);
        for (const session of connected) {
          const listed = seen.find((item) => item.id === session.id);
          assert.ok(listed, 'every session is listed');
          assert.equal(listed.aspsp, session.aspsp);
          assert.equal(listed.status, 'active');
          assert.ok(!JSON.stringify(seen).includes(session.sessionHandle));
        }
        const one = (await (
          await partner(bff, 'GET', `/sessions/${connected[0]?.id ?? ''}`)
        ).json()) as PartnerSession;
        assert.equal(one.aspsp, 'azur');
        const expiring = (await (
          await partner(bff, 'GET', '/sessions?status=expiring')
        ).json()) as PartnerSessionList;
        assert.deepEqual(expiring.sessions, []);
        const missing = await partner(bff, 'GET', `/sessions/ses_${'x'.repeat(43)}`);
        assert.equal((await readError(missing)).error, 'not_found');
      });

      it('sends at most 4 reads a day to the bank, then answers the sealed cache', async () => {
        const session = await bff.connect('azur', { login: 'luc.martin' });
        const before = await bankCount('azur', '/accounts');
        const unattendedBefore = await unattendedCount('azur', 'accounts');
        const answers: Synced<AccountList>[] = [];
        for (let read = 0; read < 6; read++) {
          answers.push(
            await readSynced<AccountList>(
              await partner(bff, 'GET', `/sessions/${session.id}/accounts`),
            ),
          );
        }
        assert.equal((await bankCount('azur', '/accounts')) - before, 4, 'the bank saw 4');
        assert.equal(
          (await unattendedCount('azur', 'accounts')) - unattendedBefore,
          4,
          'all 4 without the customer: no PSU header',
        );
        assert.deepEqual(
          answers.map((answer) => [answer.sync.source, answer.sync.budget.remaining]),
          [
            ['bank', 3],
            ['bank', 2],
            ['bank', 1],
            ['bank', 0],
            ['cache', 0],
            ['cache', 0],
          ],
        );
        const [first, , , fourth, fifth] = answers;
        assert.equal(fifth?.sync.asOf, fourth?.sync.asOf, 'the cache is the last bank answer');
        assert.deepEqual(fifth?.data, fourth?.data);
        // The first read was counted when sent, just before its answer's asOf.
        const freesUp = Date.parse(fifth?.sync.budget.resetsAt ?? '') - DAY_MS;
        const firstRead = Date.parse(first?.sync.asOf ?? '');
        assert.ok(freesUp <= firstRead && freesUp > firstRead - 5_000, 'frees up a day after');
        assert.ok(!bff.logs.join('').includes(session.sessionHandle), 'no handle in the logs');
      });

      it('refreshes the cache from the customer’s page without counting it', async () => {
        const session = await bff.connect('azur', { login: 'luc.martin' });
        const [account] = (
          await readSynced<AccountList>(
            await partner(bff, 'GET', `/sessions/${session.id}/accounts`),
          )
        ).data.accounts;
        assert.ok(account);
        const balances = `/sessions/${session.id}/accounts/${account.id}/balances`;
        for (let read = 0; read < 4; read++) await partner(bff, 'GET', balances);
        const spent = await readSynced<BalanceList>(await partner(bff, 'GET', balances));
        assert.equal(spent.sync.source, 'cache');
        offset += 60_000;
        const page = await bff.call('GET', `/v1/accounts/${account.id}/balances`, {
          handle: session.sessionHandle,
        });
        assert.equal(page.status, 200, 'the customer is not limited');
        // The page's answer is kept in the background: wait for the partner to see it.
        let after: Synced<BalanceList>;
        do {
          after = await readSynced<BalanceList>(await partner(bff, 'GET', balances));
        } while (after.sync.asOf === spent.sync.asOf);
        assert.equal(after.sync.source, 'cache');
        assert.equal(after.sync.budget.remaining, 0, 'the page’s read was not counted');
        assert.ok(Date.parse(after.sync.asOf) > Date.parse(spent.sync.asOf));
        assert.deepEqual(after.data, (await page.json()) as BalanceList);
      });

      it('answers 429 when the budget is spent and nothing is cached, then frees up', async () => {
        const session = await bff.connect('azur', { login: 'luc.martin' });
        const { accounts } = (
          await readSynced<AccountList>(
            await partner(bff, 'GET', `/sessions/${session.id}/accounts`),
          )
        ).data;
        const list = `/sessions/${session.id}/accounts/${accounts[0]?.id ?? ''}/transactions`;
        const before = await bankCount('azur', '/accounts/{id}/transactions');
        // Four pages with other dates spend the resource's budget, each cached under its dates.
        for (const day of ['01', '02', '03', '04']) {
          const read = await readSynced<TransactionPage>(
            await partner(bff, 'GET', `${list}?dateFrom=2026-11-${day}`),
          );
          assert.equal(read.sync.source, 'bank');
        }
        const refused = await partner(bff, 'GET', `${list}?dateFrom=2026-11-05`);
        assert.equal(refused.status, 429);
        const error = await readError(refused);
        assert.equal(error.error, 'unattended_limit_reached');
        assert.ok(Number(refused.headers.get('retry-after')) > DAY_MS / 1000 - 120);
        assert.equal((await bankCount('azur', '/accounts/{id}/transactions')) - before, 4);
        const cached = await readSynced<TransactionPage>(
          await partner(bff, 'GET', `${list}?dateFrom=2026-11-02`),
        );
        assert.equal(cached.sync.source, 'cache');
        // A day later, by both clocks, a read reaches the bank again.
        offset += DAY_MS + 60_000;
        await sandbox.admin('POST', '/banks/azur/clock', { advanceSeconds: DAY_MS / 1000 + 60 });
        try {
          const fresh = await readSynced<TransactionPage>(
            await partner(bff, 'GET', `${list}?dateFrom=2026-11-05`),
          );
          assert.equal(fresh.sync.source, 'bank');
          assert.equal(fresh.sync.budget.remaining, 3);
        } finally {
          await sandbox.admin('POST', '/reset');
          offset = 0;
        }
      });

      it('keeps the count and the cache across a restart', async () => {
        const session = await bff.connect('mistral', { login: 'luc.martin' });
        const accounts = `/sessions/${session.id}/accounts`;
        for (let read = 0; read < 4; read++) await partner(bff, 'GET', accounts);
        bff = await bff.restart();
        const read = await readSynced<AccountList>(await partner(bff, 'GET', accounts));
        assert.equal(read.sync.source, 'cache');
        assert.equal(read.sync.budget.remaining, 0);
      });

      it('answers only the cache at a bank that serves no read without the customer', async () => {
        const session = await bff.connect('lumiere');
        const accounts = `/sessions/${session.id}/accounts`;
        const before = await partner(bff, 'GET', accounts);
        assert.equal((await readError(before)).error, 'access_denied');
        assert.equal(
          (await bff.call('GET', '/v1/accounts', { handle: session.sessionHandle })).status,
          200,
        );
        let read: Response;
        do read = await partner(bff, 'GET', accounts);
        while (read.status !== 200);
        const synced = (await read.json()) as Synced<AccountList>;
        assert.equal(synced.sync.source, 'cache');
        assert.equal(synced.sync.budget.limit, 0);
      });

      it('forgets a session and its cached data when the partner deletes it', async () => {
        const session = await bff.connect('azur');
        await partner(bff, 'GET', `/sessions/${session.id}/accounts`);
        assert.equal((await partner(bff, 'DELETE', `/sessions/${session.id}`)).status, 204);
        const id = session.id.slice('ses_'.length);
        assert.equal(await bff.app.bankConnect.context.store.getSession(id), undefined);
        assert.equal(
          await bff.app.bankConnect.context.store.sync.getCache(id, 'accounts'),
          undefined,
        );
        const gone = await partner(bff, 'GET', `/sessions/${session.id}/accounts`);
        assert.equal((await readError(gone)).error, 'not_found');
        const browser = await bff.call('GET', '/v1/session', { handle: session.sessionHandle });
        assert.equal(browser.status, 401);
      });

      it('forgets a session whose tokens no longer unseal, at a bank without revocation', async () => {
        // As after its sealing key was retired: nothing needs the tokens to forget the session.
        const session = await bff.connect('azur');
        const id = session.id.slice('ses_'.length);
        const store = bff.app.bankConnect.context.store;
        const record = await store.getSession(id);
        assert.ok(record);
        assert.ok(
          await store.updateSession(id, record.version, { tokens: 'sealed-by-a-retired-key' }),
        );
        assert.equal((await partner(bff, 'DELETE', `/sessions/${session.id}`)).status, 204);
        assert.equal(await store.getSession(id), undefined);
      });

      it('refuses a browser route called by a server: reads without the customer go through the partner API', async () => {
        const session = await bff.connect('azur', { login: 'luc.martin' });
        const before = await bankCount('azur', '/end-user-identity');
        // Even a server that held the page's key and handle is turned away without an Origin.
        const replayed = await bff.call('GET', '/v1/identity', {
          handle: session.sessionHandle,
          origin: null,
        });
        assert.equal(replayed.status, 403);
        assert.equal((await readError(replayed)).error, 'origin_not_allowed');
        assert.equal(await bankCount('azur', '/end-user-identity'), before, 'the bank saw no read');
      });
    });
  }

  it('sends no fifth read under 200 concurrent reads across two instances', async () => {
    offset = 0;
    const shared = { ...env, BFF_SESSION_STORE: redis.url, BFF_BANK_TIMEOUT_MS: '60000' };
    const first = await startTestBff(sandbox, { env: shared, now });
    const second = await startTestBff(sandbox, { env: shared, now });
    try {
      const session = await first.connect('azur', { login: 'luc.martin' });
      const before = await bankCount('azur', '/accounts');
      const sources: string[] = [];
      for (let wave = 0; wave < 3; wave++) {
        const answers = await Promise.all(
          Array.from({ length: 200 }, (_, index) =>
            partner(index % 2 ? first : second, 'GET', `/sessions/${session.id}/accounts`),
          ),
        );
        for (const answer of answers) {
          sources.push((await readSynced<AccountList>(answer)).sync.source);
        }
      }
      assert.ok((await bankCount('azur', '/accounts')) - before <= 4, 'never a fifth');
      assert.equal(sources.length, 600, 'every read answered');
      assert.equal(sources.at(-1), 'cache');
    } finally {
      await first.stop();
      await second.stop();
    }
  });
});
