/**
 * The BFF pages through banks that write their HAL links in each of STET's forms: the spec's own
 * `v1/accounts/…?page=2` (relative to the API root, not to the `/v1` base), absolute URLs and
 * absolute paths. The sandbox banks are the usual ones, each given another link style.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addDays } from '../../backend-for-frontend/stet/date-windows.js';
import { formatParisDate } from '../../backend-for-frontend/stet/paris-dates.js';
import { SANDBOX_BANKS } from '../../demo/sandbox/banks.js';
import type { LinkStyle } from '../../demo/sandbox/stet/links.js';
import { startTestBff, type TestBff } from '../support/bff.js';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.js';
import { expectTransactions, listTransactions } from '../support/transactions.js';

const STYLES: Record<string, LinkStyle> = {
  azur: 'spec-relative',
  bocage: 'absolute-url',
  lumiere: 'absolute-url',
  mistral: 'spec-relative',
};

describe('HAL links in every STET form, through the BFF', () => {
  let sandbox: TestSandbox;
  let bff: TestBff;

  before(async () => {
    sandbox = await startTestSandbox({
      banks: SANDBOX_BANKS.map((bank) => ({
        ...bank,
        profile: { ...bank.profile, linkStyle: STYLES[bank.id] ?? bank.profile.linkStyle },
      })),
    });
    bff = await startTestBff(sandbox);
  });
  after(async () => {
    await bff.stop();
    await sandbox.stop();
  });

  for (const [aspsp, style] of Object.entries(STYLES)) {
    it(`pages through ${aspsp}’s transactions with ${style} links: all of them, once, in order`, async () => {
      const session = await bff.connect(aspsp, {
        scopes: ['aisp', 'extended_transaction_history'],
      });
      const account = session.accounts.find((candidate) => candidate.type === 'current');
      assert.ok(account);
      const today = formatParisDate(Date.now());
      // 181 days: several bank pages at the paging banks, two date windows at bocage.
      const dateFrom = addDays(today, -180);
      const dateTo = addDays(today, 1);
      const listing = await listTransactions(
        bff,
        session.sessionHandle,
        account.id,
        `dateFrom=${dateFrom}&dateTo=${dateTo}`,
      );
      assert.ok(listing.pages > 1, `${listing.pages} pages`);
      assert.deepEqual(
        listing.ids,
        expectTransactions(sandbox, aspsp, account.id, dateFrom, dateTo),
      );
    });
  }
});
