import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import {
  createBankConnectRouter,
  type BankConnectRouter,
} from '../../backend-for-frontend/index.js';
import { createLogger } from '../../backend-for-frontend/logger.js';
import { flowRequestBody, PARTNER_ORIGIN, startTestBff, type TestBff } from '../support/bff.js';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.js';

describe('the router mounted in a partner app', () => {
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

  /** A partner app that sets no `trust proxy` of its own, with the router mounted in it. */
  async function mount(trustProxy: string | false) {
    const router: BankConnectRouter = createBankConnectRouter(
      { ...bff.config, trustProxy, flowsPerMinute: 2 },
      { logger: createLogger({ level: 'silent' }) },
    );
    const app = express().use(router);
    const server = await new Promise<Server>((resolve) => {
      const started = app.listen(0, '127.0.0.1', () => resolve(started));
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const from = (forwardedFor: string) =>
      fetch(`${url}/v1/flows`, {
        method: 'POST',
        headers: {
          Origin: PARTNER_ORIGIN,
          'X-Bank-Connect': '1',
          'Content-Type': 'application/json',
          'X-Forwarded-For': forwardedFor,
          // Signed for the public URL the BFF is configured with, which the router checks `htu` against.
          DPoP: bff.dpopKey.signSync({
            htm: 'POST',
            htu: new URL('/v1/flows', bff.config.redirectUri).href,
          }),
        },
        body: JSON.stringify(flowRequestBody()),
      }).then((response) => response.status);
    return {
      from,
      close: async () => {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
        await router.close();
      },
    };
  }

  it('sees the customer behind the proxy its own trustProxy names, whatever the app sets', async () => {
    const app = await mount('loopback');
    try {
      assert.deepEqual(
        [
          await app.from('198.51.100.1'),
          await app.from('198.51.100.1'),
          await app.from('198.51.100.1'),
        ],
        [201, 201, 429],
      );
      assert.equal(await app.from('198.51.100.2'), 201, 'another customer is unaffected');
    } finally {
      await app.close();
    }
  });

  it('counts an IPv6 customer by their /56, so that rotating addresses does not escape the limit', async () => {
    const app = await mount('loopback');
    try {
      assert.deepEqual(
        [
          await app.from('2001:db8:1:100::1'),
          await app.from('2001:db8:1:1aa::7'),
          await app.from('2001:db8:1:1ff:ffff::9'),
        ],
        [201, 201, 429],
        'three addresses of one /56 are one customer',
      );
      assert.equal(await app.from('2001:db8:2::1'), 201, 'another /56 is another customer');
    } finally {
      await app.close();
    }
  });

  it('takes X-Forwarded-For for the client’s word when trustProxy is off', async () => {
    const app = await mount(false);
    try {
      const statuses = [
        await app.from('198.51.100.1'),
        await app.from('198.51.100.2'),
        await app.from('198.51.100.3'),
      ];
      assert.deepEqual(statuses, [201, 201, 429], 'every request is the same client');
    } finally {
      await app.close();
    }
  });
});
