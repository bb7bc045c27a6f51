import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import express from 'express';
import type { AspspDirectory } from '../../backend-for-frontend/contract/index.js';
import type { BffContext } from '../../backend-for-frontend/context.js';
import type { Aspsp, Registry } from '../../backend-for-frontend/registry.js';
import { createAspspsRouter } from '../../backend-for-frontend/routes/aspsps.js';
import { startTestBff } from '../support/bff.js';
import { startTestSandbox } from '../support/sandbox.js';

describe('GET /v1/aspsps', () => {
  it('lists banks by name in French collation, which the widget shows as given', async () => {
    const names = ['Société Générale', 'LCL', 'Écureuil Crédit', 'Crédit Mutuel', 'Caisse'];
    const registry: Registry = new Map(
      names.map((name, index) => [
        `bank-${index}`,
        { id: `bank-${index}`, name, bic: `BANK${index}FR`, country: 'FR' } as unknown as Aspsp,
      ]),
    );
    const app = express().use(createAspspsRouter({ registry } as unknown as BffContext));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/v1/aspsps`);
      const directory = (await response.json()) as AspspDirectory;
      // Code-unit order would put "Écureuil" last, after "Société".
      assert.deepEqual(
        directory.aspsps.map((aspsp) => aspsp.name),
        ['Caisse', 'Crédit Mutuel', 'Écureuil Crédit', 'LCL', 'Société Générale'],
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('answers the registry in the contract shape: brand colour and consent length, no endpoint', async () => {
    const sandbox = await startTestSandbox();
    const bff = await startTestBff(sandbox);
    try {
      const response = await bff.call('GET', '/v1/aspsps');
      assert.equal(response.status, 200);
      const { aspsps } = (await response.json()) as AspspDirectory;
      assert.deepEqual(
        aspsps.map(({ id, colour, consentDays }) => [id, colour, consentDays]),
        [
          ['azur', '#0b3d91', 90],
          ['lumiere', '#f2b705', 180],
          ['bocage', '#1d6b3a', 180],
          ['mistral', '#5b2a86', 180],
        ],
      );
      assert.doesNotMatch(JSON.stringify(aspsps), /token|apiBaseUrl|9443/);
    } finally {
      await bff.stop();
      await sandbox.stop();
    }
  });
});
