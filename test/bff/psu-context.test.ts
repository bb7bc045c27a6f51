/**
 * The customer's context reaches a bank only when the customer is there: a call from their page
 * (an allowed Origin, or the same origin) carries the PSU headers the bank asks for; a call from
 * anywhere else is refused before any bank sees it (servers read through /partner/v1).
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { ApiError } from '../../backend-for-frontend/contract/index.js';
import { bankCalls } from '../reliability/support/harness.js';
import { startTestBff, type TestBff } from '../support/bff.js';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.js';

interface Counters {
  counters: { resource: string; used: number }[];
}

describe('the PSU context sent to banks', () => {
  let sandbox: TestSandbox;
  let bff: TestBff;
  const handles = new Map<string, string>();
  before(async () => {
    sandbox = await startTestSandbox();
    bff = await startTestBff(sandbox);
    for (const bank of ['azur', 'lumiere', 'mistral'])
      handles.set(bank, (await bff.connect(bank)).sessionHandle);
  });
  beforeEach(async () => {
    for (const bank of ['azur', 'lumiere', 'mistral']) {
      await sandbox.admin('DELETE', `/banks/${bank}/unattended-accesses`);
      await sandbox.admin('DELETE', `/banks/${bank}/calls`);
    }
  });
  after(async () => {
    await bff.stop();
    await sandbox.stop();
  });

  const unattended = async (bank: string) =>
    (
      (await (await sandbox.admin('GET', `/banks/${bank}/unattended-accesses`)).json()) as Counters
    ).counters.reduce((sum, counter) => sum + counter.used, 0);

  it('gives the banks that require them the customer’s port, browser and language', async () => {
    // Both refuse a present call without them (lumiere: PSU-IP-Port, PSU-User-Agent,
    // PSU-Accept-Language; mistral: PSU-User-Agent).
    for (const bank of ['lumiere', 'mistral']) {
      const response = await bff.call('GET', '/v1/accounts', { handle: handles.get(bank) });
      assert.equal(response.status, 200, bank);
      assert.equal(await unattended(bank), 0, `${bank}: the customer was present`);
    }
  });

  it('refuses a call without the page’s Origin before any bank sees it: servers use /partner/v1', async () => {
    for (const bank of ['azur', 'lumiere']) {
      const response = await bff.call('GET', '/v1/accounts', {
        handle: handles.get(bank),
        origin: null,
      });
      assert.equal(response.status, 403, bank);
      assert.equal(((await response.json()) as ApiError).error, 'origin_not_allowed');
      assert.equal((await bankCalls(sandbox, bank))['GET /accounts'], undefined, bank);
      assert.equal(await unattended(bank), 0, bank);
    }
  });

  it('counts a same-origin read, which browsers send without Origin, as the customer’s', async () => {
    const response = await bff.call('GET', '/v1/accounts', {
      handle: handles.get('lumiere'),
      origin: null,
      headers: {
        'Sec-Fetch-Site': 'same-origin',
        'User-Agent': 'Mozilla/5.0 (bank-connect tests)',
        'Accept-Language': 'fr-FR',
      },
    });
    assert.equal(response.status, 200);
    assert.equal(await unattended('lumiere'), 0);
  });

  it('names the PSU header a bank requires that the customer’s browser did not send', async () => {
    const response = await bff.call('GET', '/v1/accounts', {
      handle: handles.get('mistral'),
      headers: { 'User-Agent': '' },
    });
    assert.equal(response.status, 502);
    assert.match(((await response.json()) as ApiError).message, /requires PSU-User-Agent/);
    assert.equal((await bankCalls(sandbox, 'mistral'))['GET /accounts'], undefined);
  });
});
