/**
 * A transactions range longer than the bank's date window, split by the BFF and merged behind
 * the cursor: against bocage (BNP-like, 93-day windows, no paging), and against mistral (pages
 * of 20) with a registry that gives it 30-day windows, so that bank pages and windows mix.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TransactionPage } from '../../backend-for-frontend/contract/index.js';
import { hashSecret } from '../../backend-for-frontend/sessions/handles.js';
import { addDays } from '../../backend-for-frontend/stet/date-windows.js';
import { formatParisDate } from '../../backend-for-frontend/stet/paris-dates.js';
import { buildRegistryFromSandbox } from '../../demo/sandbox/registry-document.js';
import { readError, startTestBff, type TestBff } from '../support/bff.js';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.js';
import { expectTransactions, listTransactions } from '../support/transactions.js';

describe('transactions over more than a bank’s date window', () => {
  let sandbox: TestSandbox;
  let bff: TestBff;
  let windowed: TestBff;
  let dir: string;
  const handles = new Map<string, string>();
  const accounts = new Map<string, string>();

  before(async () => {
    sandbox = await startTestSandbox();
    bff = await startTestBff(sandbox);
    // The same sandbox, but the BFF believes mistral caps its windows at 30 days.
    dir = await mkdtemp(path.join(tmpdir(), 'bff-windows-'));
    const directory = (await (await fetch(`${sandbox.browserOrigin}/banks`)).json()) as Parameters<
      typeof buildRegistryFromSandbox
    >[0];
    const registry = buildRegistryFromSandbox(directory, path.join(sandbox.pki.dir, 'ca.pem'));
    for (const aspsp of registry.aspsps) {
      if (aspsp.id === 'mistral') aspsp.profile.maxDateWindowDays = 30;
    }
    const registryFile = path.join(dir, 'registry.json');
    await writeFile(registryFile, JSON.stringify(registry));
    windowed = await startTestBff(sandbox, { env: { BFF_REGISTRY: registryFile } });

    for (const [name, via, aspsp] of [
      ['bocage', bff, 'bocage'],
      ['mistral', windowed, 'mistral'],
    ] as const) {
      const session = await via.connect(aspsp, {
        scopes: ['aisp', 'extended_transaction_history'],
      });
      handles.set(name, session.sessionHandle);
      const current = session.accounts.find((account) => account.type === 'current');
      accounts.set(name, current?.id ?? '');
    }
  });
  after(async () => {
    await windowed.stop();
    await bff.stop();
    await sandbox.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const list = (via: TestBff, name: string, query: string) =>
    listTransactions(via, handles.get(name) ?? '', accounts.get(name) ?? '', query);
  const expected = (bank: string, accountId: string, dateFrom: string, dateTo: string) =>
    expectTransactions(sandbox, bank, accountId, dateFrom, dateTo);

  const bankCalls = async (bank: string) =>
    (await (await sandbox.admin('GET', `/banks/${bank}/calls`)).json()) as Record<string, number>;

  it('returns every transaction of 181 days at bocage exactly once, in order, in two windows', async () => {
    const today = formatParisDate(Date.now());
    const dateFrom = addDays(today, -180);
    const dateTo = addDays(today, 1);
    await sandbox.admin('DELETE', '/banks/bocage/calls');
    const listing = await list(bff, 'bocage', `dateFrom=${dateFrom}&dateTo=${dateTo}`);
    const want = expected('bocage', accounts.get('bocage') ?? '', dateFrom, dateTo);
    assert.ok(want.length > 0);
    assert.equal(new Set(listing.ids).size, listing.ids.length, 'no transaction twice');
    assert.deepEqual(listing.ids, want);
    // Bocage does not page: one bank call per window, 93 days then 88.
    assert.equal(listing.pages, 2);
    assert.equal((await bankCalls('bocage'))['GET /accounts/{id}/transactions'], 2);
  });

  it('ends an open range tomorrow and splits it the same way', async () => {
    const today = formatParisDate(Date.now());
    const dateFrom = addDays(today, -180);
    const listing = await list(bff, 'bocage', `dateFrom=${dateFrom}`);
    assert.deepEqual(
      listing.ids,
      expected('bocage', accounts.get('bocage') ?? '', dateFrom, addDays(today, 1)),
    );
    assert.equal(listing.pages, 2);
  });

  it('asks a range within the window in one request, and the bank’s default without dateFrom', async () => {
    const today = formatParisDate(Date.now());
    const dateFrom = addDays(today, -92);
    const within = await list(bff, 'bocage', `dateFrom=${dateFrom}&dateTo=${addDays(today, 1)}`);
    assert.equal(within.pages, 1);
    const unbounded = await list(bff, 'bocage', '');
    assert.equal(unbounded.pages, 1, 'no dateFrom: not split, the bank applies its own window');
  });

  it('mixes the bank’s pages and the windows: every transaction once, in order', async () => {
    const today = formatParisDate(Date.now());
    const dateFrom = addDays(today, -100);
    const dateTo = addDays(today, -5);
    const listing = await list(windowed, 'mistral', `dateFrom=${dateFrom}&dateTo=${dateTo}`);
    const want = expected('mistral', accounts.get('mistral') ?? '', dateFrom, dateTo);
    assert.deepEqual(listing.ids, want);
    // Four windows (30, 30, 30, 5 days), some of them more than one page of 20.
    assert.ok(listing.pages > 4, `${listing.pages} pages`);
  });

  it('still follows a cursor sealed before windows existed: the bank’s bare next link', async () => {
    const accountId = accounts.get('mistral') ?? '';
    const handle = handles.get('mistral') ?? '';
    const route = `/v1/accounts/${encodeURIComponent(accountId)}/transactions`;
    const first = (await (await windowed.call('GET', route, { handle })).json()) as TransactionPage;
    assert.ok(first.nextCursor);
    const { sealer } = windowed.app.bankConnect.context;
    const bound = `cursor:${hashSecret(handle)}:transactions:${accountId}`;
    const { n: next } = JSON.parse(sealer.open(first.nextCursor, bound)) as { n: string };
    const legacy = sealer.seal(next, bound);
    const pages = await Promise.all(
      [first.nextCursor, legacy].map(async (cursor) => {
        const response = await windowed.call(
          'GET',
          `${route}?cursor=${encodeURIComponent(cursor)}`,
          { handle },
        );
        assert.equal(response.status, 200);
        return ((await response.json()) as TransactionPage).transactions.map(({ id }) => id);
      }),
    );
    assert.deepEqual(pages[1], pages[0]);
  });

  it('binds a window cursor to its session and list like any cursor', async () => {
    const today = formatParisDate(Date.now());
    const route = `/v1/accounts/${encodeURIComponent(accounts.get('bocage') ?? '')}/transactions`;
    const first = await bff.call('GET', `${route}?dateFrom=${addDays(today, -180)}`, {
      handle: handles.get('bocage') ?? '',
    });
    const { nextCursor } = (await first.json()) as TransactionPage;
    assert.ok(nextCursor, 'the older window is behind the cursor');
    const other = await bff.connect('bocage', { scopes: ['aisp'] });
    const stolen = await bff.call('GET', `${route}?cursor=${encodeURIComponent(nextCursor)}`, {
      handle: other.sessionHandle,
    });
    assert.equal(stolen.status, 400);
    assert.equal((await readError(stolen)).field, 'cursor');
    const withDates = await bff.call(
      'GET',
      `${route}?cursor=${encodeURIComponent(nextCursor)}&dateFrom=${today}`,
      { handle: handles.get('bocage') ?? '' },
    );
    assert.equal(withDates.status, 400);
  });
});
