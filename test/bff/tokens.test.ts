import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AccountList, SessionInfo } from '../../backend-for-frontend/contract/index.js';
import {
  completeFlow,
  requestCompletion,
  readError,
  returnFromBank,
  startFlow,
  startTestBff,
  type TestBff,
} from '../support/bff.js';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.js';

describe('BFF sessions and bank tokens', () => {
  let sandbox: TestSandbox;
  let bff: TestBff;
  before(async () => {
    sandbox = await startTestSandbox();
    bff = await startTestBff(sandbox);
  });
  after(async () => {
    await bff.stop();
    await sandbox.stop();
  });

  const calls = async (bank: string) =>
    (await (await sandbox.admin('GET', `/banks/${bank}/calls`)).json()) as Record<string, number>;
  const issuedTokens = async () =>
    (
      (await (await sandbox.admin('GET', '/tokens')).json()) as {
        tokens: Array<{ value: string; bank: string }>;
      }
    ).tokens;

  it('refreshes once for 50 concurrent requests on an expired token (single flight)', async () => {
    const session = await bff.connect('azur');
    // Azur's access tokens live 300 s: move the bank's clock past them.
    await sandbox.admin('POST', '/banks/azur/clock', { advanceSeconds: 400 });
    await sandbox.admin('DELETE', '/banks/azur/calls');
    try {
      const responses = await Promise.all(
        Array.from({ length: 50 }, () =>
          bff.call('GET', '/v1/accounts', { handle: session.sessionHandle }),
        ),
      );
      assert.deepEqual([...new Set(responses.map((response) => response.status))], [200]);
      const counted = await calls('azur');
      assert.equal(counted['POST /token refresh_token'], 1);
    } finally {
      await sandbox.admin('POST', '/reset');
    }
  });

  it('retries once after a bare 401 and after a WWW-Authenticate challenge', async () => {
    for (const [bank, lifetime] of [
      ['azur', 300],
      ['bocage', 3_600],
    ] as const) {
      const session = await bff.connect(bank);
      // The BFF still believes the token is valid: only the bank's 401 tells it otherwise.
      await sandbox.admin('POST', `/banks/${bank}/clock`, { advanceSeconds: lifetime + 1 });
      await sandbox.admin('DELETE', `/banks/${bank}/calls`);
      try {
        const response = await bff.call('GET', '/v1/accounts', { handle: session.sessionHandle });
        assert.equal(response.status, 200, bank);
        const counted = await calls(bank);
        assert.equal(counted['GET /accounts'], 2, `${bank}: one 401, one replay`);
        assert.equal(counted['POST /token refresh_token'], 1);
      } finally {
        await sandbox.admin('POST', '/reset');
      }
    }
  });

  it('stores a rotated refresh token before using the new access token', async () => {
    const session = await bff.connect('mistral');
    await sandbox.admin('POST', '/banks/mistral/clock', { advanceSeconds: 1_000 });
    try {
      assert.equal(
        (await bff.call('GET', '/v1/accounts', { handle: session.sessionHandle })).status,
        200,
      );
      await sandbox.admin('POST', '/banks/mistral/clock', { advanceSeconds: 1_000 });
      // A second refresh works only if the rotated refresh token was kept: the bank would
      // otherwise see the old one again and end the consent.
      assert.equal(
        (await bff.call('GET', '/v1/accounts', { handle: session.sessionHandle })).status,
        200,
      );
      const info = (await (
        await bff.call('GET', '/v1/session', { handle: session.sessionHandle })
      ).json()) as SessionInfo;
      assert.equal(info.status, 'active');
    } finally {
      await sandbox.admin('POST', '/reset');
    }
  });

  it('answers reauth_required when the consent ended, keeps the handle, and reconnects it', async () => {
    const session = await bff.connect('azur', { login: 'luc.martin' });
    await sandbox.admin('POST', '/banks/azur/consents/expire', { login: 'luc.martin' });
    await sandbox.admin('POST', '/banks/azur/clock', { advanceSeconds: 400 });
    try {
      const refused = await bff.call('GET', '/v1/accounts', { handle: session.sessionHandle });
      assert.equal(refused.status, 401);
      const error = await readError(refused);
      assert.equal(error.error, 'reauth_required');
      assert.equal(error.aspsp, 'azur');
      const info = (await (
        await bff.call('GET', '/v1/session', { handle: session.sessionHandle })
      ).json()) as SessionInfo;
      assert.equal(info.status, 'reauth_required');
    } finally {
      await sandbox.admin('POST', '/reset');
    }
    const renewed = await bff.connect('azur', {
      login: 'luc.martin',
      handle: session.sessionHandle,
    });
    assert.equal(renewed.sessionHandle, session.sessionHandle);
    assert.equal(renewed.id, session.id, 'the session keeps its public id');
    assert.match(renewed.id, /^ses_[A-Za-z0-9_-]{43}$/);
    assert.notEqual(renewed.id.slice(4), session.sessionHandle);
    assert.equal(renewed.status, 'active');
    const accounts = (await (
      await bff.call('GET', '/v1/accounts', { handle: session.sessionHandle })
    ).json()) as AccountList;
    assert.equal(accounts.accounts.length, 1);
  });

  it('answers reauth_required when the customer revoked the consent at the bank', async () => {
    const session = await bff.connect('bocage', { login: 'luc.martin' });
    await sandbox.admin('POST', '/banks/bocage/consents/revoke', { login: 'luc.martin' });
    const refused = await bff.call('GET', '/v1/accounts', { handle: session.sessionHandle });
    assert.equal((await readError(refused)).error, 'reauth_required');
  });

  it('refuses to reconnect a session with another bank', async () => {
    const session = await bff.connect('azur');
    const response = await bff.call('POST', '/v1/flows', {
      handle: session.sessionHandle,
      body: {
        aspsp: 'mistral',
        scopes: ['aisp'],
        state: 'a'.repeat(43),
        codeChallenge: 'b'.repeat(43),
        codeChallengeMethod: 'S256',
        mode: 'redirect',
        returnTo: 'https://partner.example/connect',
      },
    });
    assert.equal(response.status, 400);
  });

  it('keeps every session across a restart (SQLite)', async () => {
    const local = await startTestBff(sandbox);
    const session = await local.connect('lumiere');
    const restarted = await local.restart();
    try {
      const response = await restarted.call('GET', '/v1/accounts', {
        handle: session.sessionHandle,
      });
      assert.equal(response.status, 200);
    } finally {
      await restarted.stop();
    }
  });

  it('seals tokens at rest: no token byte in the database file', async () => {
    const local = await startTestBff(sandbox);
    try {
      await local.connect('azur');
      await local.connect('mistral');
      const database = Buffer.concat(
        await Promise.all(
          ['sessions.sqlite', 'sessions.sqlite-wal'].map((file) =>
            readFile(path.join(local.dir, file)).catch(() => Buffer.alloc(0)),
          ),
        ),
      );
      const tokens = await issuedTokens();
      assert.ok(tokens.length >= 4);
      for (const token of tokens) {
        assert.equal(
          database.includes(token.value),
          false,
          `a ${token.bank} token is in the database in clear`,
        );
      }
    } finally {
      await local.stop();
    }
  });

  it('logs error codes, and no token, authorization code, verifier, state or handle', async () => {
    const local = await startTestBff(sandbox, { env: { BFF_LOG_LEVEL: 'debug' } });
    try {
      const started = await startFlow(local, 'mistral');
      const fragment = await returnFromBank(local, started);
      const session = await completeFlow(local, started, fragment);
      await sandbox.admin('POST', '/banks/mistral/clock', { advanceSeconds: 1_000 });
      await local.call('GET', '/v1/accounts', { handle: session.sessionHandle });
      await local.call('GET', '/v1/accounts', { handle: 'x'.repeat(43) });
      const forged = await requestCompletion(local, started, fragment, undefined, {
        state: 'another-state-of-22-chars',
      });
      assert.equal(forged.status, 400);
      const logs = local.logs.join('');
      assert.match(logs, /refreshed bank tokens/, 'the refresh was logged');
      const refusals = local.logs
        .map((line) => JSON.parse(line) as { msg: string; code?: string; status?: number })
        .filter((line) => line.msg === 'request refused');
      assert.deepEqual(
        refusals.map(({ code, status }) => [code, status]),
        [
          ['session_required', 401],
          ['state_mismatch', 400],
        ],
        'each refusal is logged with its error code and status',
      );
      for (const token of await issuedTokens()) assert.equal(logs.includes(token.value), false);
      for (const secret of [
        session.sessionHandle,
        started.state,
        started.verifier,
        fragment.get('code') ?? '',
      ]) {
        assert.ok(secret.length > 20);
        assert.equal(logs.includes(secret), false);
      }
    } finally {
      await sandbox.admin('POST', '/reset');
      await local.stop();
    }
  });
});
