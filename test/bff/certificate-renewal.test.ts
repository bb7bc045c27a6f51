/**
 * Renewing the TPP's certificates breaks no session (RFC 8705 §3: a bank binds each access token
 * to the QWAC it was issued to). Sessions are created, then the QWAC and the QSealC are renewed
 * (same organizationIdentifier, new keys, from the test PKI) and the BFF restarts on the same
 * store. Every session at a bank that issues refresh tokens still reads its data, through exactly
 * one refresh over the new QWAC, on SQLite and on Redis with two instances. A bank without refresh
 * tokens cannot rebind: its sessions end with a reason that says so.
 *
 * And only the bank's own verdict on a consent ends it: a replay refused after a successful
 * refresh (here, signatures under a key the bank does not know) is a `bank_error`, and no session
 * changes status.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import type { ConnectedSession, SessionInfo } from '../../backend-for-frontend/contract/index.js';
import { hashSecret } from '../../backend-for-frontend/sessions/handles.js';
import { readError, startTestBff, type TestBff } from '../support/bff.js';
import { startTestRedis, type TestRedis } from '../support/redis-server.js';
import { CLIENT_ID, startTestSandbox, type TestSandbox } from '../support/sandbox.js';

/** Banks that issue refresh tokens, each with its way of refusing a token bound elsewhere. */
const REFRESHING_BANKS = ['azur', 'bocage', 'mistral'] as const;
const SESSIONS_PER_BANK = 2;
const REQUESTS_PER_SESSION = 6;
const REFRESH = 'POST /token refresh_token';

describe('certificate renewal', () => {
  let sandbox: TestSandbox;
  let redis: TestRedis;
  before(async () => {
    redis = await startTestRedis();
    // Each test publishes the QSealC it needs: a refused signature may fetch the keyId again.
    sandbox = await startTestSandbox({ qsealcRefetchIntervalMs: 0 });
  });
  after(async () => {
    await sandbox?.stop();
    await redis?.dispose();
  });

  const pem = (name: string) => path.join(sandbox.pki.dir, name);
  /** The BFF's settings after the renewal: the new QWAC and QSealC with their new keys. */
  const renewed = () => ({
    BFF_QWAC_CERT: pem('tpp-qwac-renewed.pem'),
    BFF_QWAC_KEY: pem('tpp-qwac-renewed-key.pem'),
    BFF_QSEALC_CERT: pem('tpp-qsealc-renewed.pem'),
    BFF_QSEALC_KEY: pem('tpp-qsealc-renewed-key.pem'),
  });

  const countRefreshes = async (bank: string) => {
    const calls = (await (await sandbox.admin('GET', `/banks/${bank}/calls`)).json()) as Record<
      string,
      number
    >;
    return calls[REFRESH] ?? 0;
  };
  const forgetCalls = async () => {
    for (const bank of [...REFRESHING_BANKS, 'lumiere']) {
      await sandbox.admin('DELETE', `/banks/${bank}/calls`);
    }
  };

  /** Publishes the QSealC a BFF serves at `/v1/qsealc.pem` at the keyId URL, as its operator. */
  async function publishServedQsealc(bff: TestBff): Promise<string> {
    const served = await (await bff.call('GET', '/v1/qsealc.pem', { origin: null })).text();
    sandbox.publishQsealc(served);
    // Azur names the key by client_id: the QSealC is registered with the bank, so renewing it
    // means registering the new one there too.
    const client = sandbox.context.clients.get(CLIENT_ID);
    if (client) client.qsealc = new X509Certificate(served);
    return served;
  }

  // The sandbox outlives each test: put back what a renewal changed at the banks.
  afterEach(() => {
    const original = sandbox.pki['tpp-qsealc.pem'];
    sandbox.publishQsealc(original);
    const client = sandbox.context.clients.get(CLIENT_ID);
    if (client) client.qsealc = new X509Certificate(original);
  });

  /**
   * Connects sessions through `before`, renews, and reads every session through `after`
   * (requests split across its instances, all at once): each reads its data through one refresh.
   */
  async function renewAndRead(before: TestBff[], after: () => Promise<TestBff[]>) {
    const sessions: { bank: string; session: ConnectedSession }[] = [];
    for (const bank of REFRESHING_BANKS) {
      for (let index = 0; index < SESSIONS_PER_BANK; index++) {
        const through = before[index % before.length] as TestBff;
        const session = await through.connect(bank);
        const read = await through.call('GET', '/v1/accounts', { handle: session.sessionHandle });
        assert.equal(read.status, 200, bank);
        sessions.push({ bank, session });
      }
    }
    const unrenewable = await (before[0] as TestBff).connect('lumiere');
    for (const bff of before) await bff.stop();

    const instances = await after();
    const first = instances[0] as TestBff;
    const served = await publishServedQsealc(first);
    assert.equal(served, sandbox.pki['tpp-qsealc-renewed.pem'], 'the keyId serves the new QSealC');
    await forgetCalls();

    const outcomes = await Promise.all(
      sessions.flatMap(({ bank, session }) =>
        Array.from({ length: REQUESTS_PER_SESSION }, async (_, index) => {
          const bff = instances[index % instances.length] as TestBff;
          const response = await bff.call('GET', '/v1/accounts', {
            handle: session.sessionHandle,
          });
          if (response.status === 200) return void (await response.arrayBuffer());
          return `${bank}: ${response.status} ${(await readError(response)).error}`;
        }),
      ),
    );
    assert.deepEqual(
      outcomes.filter((outcome) => outcome !== undefined),
      [],
      'every request of every session reads its data',
    );
    for (const bank of REFRESHING_BANKS) {
      assert.equal(
        await countRefreshes(bank),
        SESSIONS_PER_BANK,
        `one refresh per session at ${bank}`,
      );
    }
    // Bound to the new QWAC now: no further refresh.
    for (const { session } of sessions) {
      assert.equal(
        (await first.call('GET', '/v1/accounts', { handle: session.sessionHandle })).status,
        200,
      );
    }
    for (const bank of REFRESHING_BANKS) {
      assert.equal(await countRefreshes(bank), SESSIONS_PER_BANK, `${bank}: no second refresh`);
    }

    // Lumiere issues no refresh token: the session cannot follow the renewal, and says why.
    const ended = await first.call('GET', '/v1/accounts', { handle: unrenewable.sessionHandle });
    assert.equal(ended.status, 401);
    const body = await readError(ended);
    assert.equal(body.error, 'reauth_required');
    assert.match(body.message, /QWAC was renewed/);
    assert.equal(await countRefreshes('lumiere'), 0);
    const info = (await (
      await first.call('GET', '/v1/session', { handle: unrenewable.sessionHandle })
    ).json()) as SessionInfo;
    assert.equal(info.status, 'reauth_required');
    return instances;
  }

  it('keeps every session through a renewal and a restart, on SQLite', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'bff-renewal-'));
    try {
      const old = await startTestBff(sandbox, { dir });
      const instances = await renewAndRead([old], async () => [
        await startTestBff(sandbox, { dir, env: renewed() }),
      ]);
      for (const bff of instances) await bff.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps every session through a renewal of two instances sharing Redis', async () => {
    const shared = { BFF_SESSION_STORE: redis.url, BFF_BANK_TIMEOUT_MS: '60000' };
    const old = [
      await startTestBff(sandbox, { env: shared }),
      await startTestBff(sandbox, { env: shared }),
    ];
    const instances = await renewAndRead(old, async () => [
      await startTestBff(sandbox, { env: { ...shared, ...renewed() } }),
      await startTestBff(sandbox, { env: { ...shared, ...renewed() } }),
    ]);
    for (const bff of instances) await bff.stop();
  });

  it('keeps a session that cannot be refreshed on the previous QWAC while it is configured', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'bff-renewal-'));
    try {
      const old = await startTestBff(sandbox, { dir });
      const unrefreshable = await old.connect('lumiere');
      const rebound = await old.connect('mistral');
      await old.stop();
      const bff = await startTestBff(sandbox, {
        dir,
        env: {
          ...renewed(),
          BFF_QWAC_PREVIOUS_CERT: pem('tpp-qwac.pem'),
          BFF_QWAC_PREVIOUS_KEY: pem('tpp-qwac-key.pem'),
        },
      });
      await publishServedQsealc(bff);
      await forgetCalls();
      // Lumiere issues no refresh token: its token goes on over the QWAC it is bound to.
      for (let read = 0; read < 2; read++) {
        const response = await bff.call('GET', '/v1/accounts', {
          handle: unrefreshable.sessionHandle,
        });
        assert.equal(response.status, 200);
      }
      assert.equal(await countRefreshes('lumiere'), 0);
      // A token that can be refreshed is rebound to the new QWAC all the same.
      assert.equal(
        (await bff.call('GET', '/v1/accounts', { handle: rebound.sessionHandle })).status,
        200,
      );
      assert.equal(await countRefreshes('mistral'), 1);
      await bff.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refreshes on a 403 only for a token whose QWAC was never recorded', async () => {
    const bff = await startTestBff(sandbox);
    try {
      const { store, sealer } = bff.app.bankConnect.context;
      const { sessionHandle } = await bff.connect('azur');
      const record = await store.getSession(hashSecret(sessionHandle));
      assert.ok(record);
      const { qwac, ...tokens } = JSON.parse(sealer.open(record.tokens, record.id)) as {
        accessToken: string;
        qwac?: string;
      };
      assert.equal(qwac, bff.config.qwac.thumbprint, 'a new session records its QWAC');
      // The customer leaves the identity out of the consent (STET PUT /consents): the bank
      // answers 403 to it, which the consent decides and no refresh changes.
      const listed = (await (
        await sandbox.callApi('azur', '/accounts', { token: tokens.accessToken })
      ).json()) as { accounts: { accountId: { iban?: string } }[] };
      const ibans = listed.accounts.flatMap(({ accountId: { iban } }) => (iban ? [{ iban }] : []));
      const consent = await sandbox.callApi('azur', '/consents', {
        method: 'PUT',
        token: tokens.accessToken,
        body: {
          balances: ibans,
          transactions: ibans,
          psuIdentity: false,
          trustedBeneficiaries: false,
        },
      });
      assert.equal(consent.status, 201);
      await forgetCalls();
      const denied = await bff.call('GET', '/v1/identity', { handle: sessionHandle });
      assert.equal(denied.status, 403);
      assert.equal((await readError(denied)).error, 'access_denied');
      assert.equal(await countRefreshes('azur'), 0, 'a recorded QWAC: the 403 is the consent’s');

      // A session sealed before the BFF recorded QWACs: its 403 may be a binding mismatch, as
      // some banks answer one, so it gets one refresh and one replay, and no more.
      const latest = await store.getSession(record.id);
      assert.ok(latest);
      assert.ok(
        await store.updateSession(record.id, latest.version, {
          tokens: sealer.seal(JSON.stringify(tokens), record.id),
        }),
      );
      const replayed = await bff.call('GET', '/v1/identity', { handle: sessionHandle });
      assert.equal(replayed.status, 403);
      assert.equal(await countRefreshes('azur'), 1);
      assert.equal((await bff.call('GET', '/v1/identity', { handle: sessionHandle })).status, 403);
      assert.equal(await countRefreshes('azur'), 1, 'the refreshed tokens record the QWAC');
    } finally {
      await bff.stop();
    }
  });

  it('keeps sessions active when the bank refuses our signatures, with one refresh each', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'bff-renewal-'));
    try {
      const old = await startTestBff(sandbox, { dir });
      const sessions = [await old.connect('mistral'), await old.connect('bocage')];
      await old.stop();
      // The operator installs the renewed QSealC but publishes nothing: the banks fetch the old
      // certificate at the keyId URL, and refuse every signature of the new key with a 401.
      sandbox.publishQsealc(sandbox.pki['tpp-qsealc.pem']);
      const bff = await startTestBff(sandbox, {
        dir,
        env: {
          BFF_QSEALC_CERT: pem('tpp-qsealc-renewed.pem'),
          BFF_QSEALC_KEY: pem('tpp-qsealc-renewed-key.pem'),
        },
      });
      await forgetCalls();
      for (const { sessionHandle, aspsp } of sessions) {
        const response = await bff.call('GET', '/v1/accounts', { handle: sessionHandle });
        assert.equal(response.status, 502, aspsp);
        const body = await readError(response);
        assert.equal(body.error, 'bank_error');
        assert.equal(body.retryable, false);
        // The bank's own words are for the operator's log, never for the page.
        assert.doesNotMatch(JSON.stringify(body), /signature does not verify/);
        const info = (await (
          await bff.call('GET', '/v1/session', { handle: sessionHandle })
        ).json()) as SessionInfo;
        assert.equal(info.status, 'active', `${aspsp}: a new consent would not fix a signature`);
        assert.equal(await countRefreshes(aspsp), 1, `${aspsp}: one refresh, never a loop`);
      }
      // The bank's words reach the operator's log, and the handle does not.
      const logs = bff.logs.join('');
      assert.match(logs, /signature does not verify/);
      for (const { sessionHandle } of sessions) assert.equal(logs.includes(sessionHandle), false);
      await bff.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
