/**
 * A consent's status as the page sees it: `active`, then `expiring` within the warning window
 * before its end (`BFF_CONSENT_WARNING_DAYS`, default 14 days), then `reauth_required`. The BFF's
 * clock is moved; the consent's end is the bank's refresh-token life (90 days at azur, 180 at
 * mistral).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SessionInfo } from '../../backend-for-frontend/contract/index.js';
import { startTestBff, type TestBff } from '../support/bff.js';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.js';

const DAY_MS = 86_400_000;

describe('the consent’s status and its warning window', () => {
  let sandbox: TestSandbox;
  let offset = 0;
  const now = () => Date.now() + offset;
  before(async () => {
    sandbox = await startTestSandbox();
  });
  after(async () => {
    await sandbox.stop();
  });

  const statusAt = async (bff: TestBff, handle: string, days: number) => {
    offset = days * DAY_MS;
    const response = await bff.call('GET', '/v1/session', { handle });
    assert.equal(response.status, 200);
    return (await response.json()) as SessionInfo;
  };

  /** Runs `test` on a BFF started with `env`, its clock at the real time. */
  const withBff = async (env: Record<string, string>, test: (bff: TestBff) => Promise<void>) => {
    offset = 0;
    const bff = await startTestBff(sandbox, { now, env });
    try {
      await test(bff);
    } finally {
      await bff.stop();
    }
  };

  it('is active, then expiring in the last 14 days, then ended', async () => {
    await withBff({}, async (bff) => {
      for (const [bank, consentDays] of [
        ['azur', 90],
        ['mistral', 180],
      ] as const) {
        offset = 0;
        const { sessionHandle, expiresAt, status } = await bff.connect(bank);
        assert.equal(status, 'active');
        const end = Date.parse(expiresAt);
        assert.ok(Math.abs(end - (Date.now() + consentDays * DAY_MS)) < 60_000, bank);
        assert.equal((await statusAt(bff, sessionHandle, consentDays - 15)).status, 'active');
        const expiring = await statusAt(bff, sessionHandle, consentDays - 13);
        assert.equal(expiring.status, 'expiring', bank);
        assert.equal(expiring.expiresAt, expiresAt, 'the page learns when it ends');
        assert.equal(
          (await statusAt(bff, sessionHandle, consentDays + 1)).status,
          'reauth_required',
        );
      }
    });
  });

  it('takes its window from BFF_CONSENT_WARNING_DAYS; 0 never warns', async () => {
    await withBff({ BFF_CONSENT_WARNING_DAYS: '30' }, async (wide) => {
      const { sessionHandle } = await wide.connect('azur');
      assert.equal((await statusAt(wide, sessionHandle, 59)).status, 'active');
      assert.equal((await statusAt(wide, sessionHandle, 61)).status, 'expiring');
    });
    await withBff({ BFF_CONSENT_WARNING_DAYS: '0' }, async (never) => {
      const { sessionHandle } = await never.connect('azur');
      assert.equal((await statusAt(never, sessionHandle, 89)).status, 'active');
    });
  });
});
