import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Readiness } from '../../backend-for-frontend/contract/index.js';
import { startTestBff, type TestBff } from '../support/bff.js';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.js';

interface LogLine {
  msg: string;
  code?: string;
  certificate?: string;
  daysLeft?: number;
}

describe('what operators see of the certificates', () => {
  let sandbox: TestSandbox;
  before(async () => {
    sandbox = await startTestSandbox();
  });
  after(() => sandbox.stop());

  const warnings = (bff: TestBff) =>
    bff.logs
      .map((line) => JSON.parse(line) as LogLine)
      .filter((line) => line.code === 'certificate_expiring');

  it('reports the days each certificate has left in /readyz', async () => {
    const bff = await startTestBff(sandbox);
    try {
      const response = await bff.call('GET', '/readyz');
      assert.equal(response.status, 200);
      const { certificates } = (await response.json()) as Readiness;
      const expected = (notAfter: Date) =>
        Math.floor((notAfter.getTime() - Date.now()) / 86_400_000);
      assert.equal(certificates.qwac.notAfter, bff.config.qwac.notAfter.toISOString());
      assert.equal(certificates.qwac.daysLeft, expected(bff.config.qwac.notAfter));
      assert.equal(certificates.qsealc.daysLeft, expected(bff.config.qsealc.notAfter));
      assert.deepEqual(warnings(bff), [], 'the test certificates are far from their end');
    } finally {
      await bff.stop();
    }
  });

  it('warns at start-up of a certificate within BFF_CERT_WARNING_DAYS of its end', async () => {
    // The test QWAC lasts two years and the QSealC two: a threshold of 3,000 days catches both.
    const bff = await startTestBff(sandbox, { env: { BFF_CERT_WARNING_DAYS: '3000' } });
    try {
      // (The test helper starts the BFF twice, to learn its port: each start warns.)
      const said = new Set(
        warnings(bff).map(({ certificate, msg }) => `${certificate}: ${msg.replace(/\d+/, 'N')}`),
      );
      assert.deepEqual(
        [...said],
        [
          'QWAC: the QWAC expires in N days: renew it',
          'QSealC: the QSealC expires in N days: renew it',
        ],
      );
    } finally {
      await bff.stop();
    }
  });
});
