/**
 * Paging through an account's transactions as the page does, and what the sandbox holds for
 * that account: for tests that check a listing is complete, without repeats, in the bank's order.
 */
import assert from 'node:assert/strict';
import type { TransactionPage } from '../../backend-for-frontend/contract/index.js';
import type { TestBff } from './bff.js';
import type { TestSandbox } from './sandbox.js';

export interface Listing {
  ids: string[];
  pages: number;
}

/** Follows `nextCursor` from the first page (`query`: `dateFrom=…&dateTo=…`) to the end. */
export async function listTransactions(
  bff: TestBff,
  handle: string,
  accountId: string,
  query: string,
): Promise<Listing> {
  const route = `/v1/accounts/${encodeURIComponent(accountId)}/transactions`;
  const listing: Listing = { ids: [], pages: 0 };
  let next = `${route}?${query}`;
  for (;;) {
    const response = await bff.call('GET', next, { handle });
    assert.equal(
      response.status,
      200,
      `${next}: ${response.status} ${await response.clone().text()}`,
    );
    const page = (await response.json()) as TransactionPage;
    listing.ids.push(...page.transactions.map((transaction) => transaction.id));
    listing.pages += 1;
    if (!page.nextCursor) return listing;
    assert.ok(listing.pages < 100, 'paging ends');
    next = `${route}?cursor=${encodeURIComponent(page.nextCursor)}`;
  }
}

/** The sandbox's transactions of marie.dupont's account, newest first, booked in [from, to). */
export function expectTransactions(
  sandbox: TestSandbox,
  bank: string,
  accountId: string,
  dateFrom: string,
  dateTo: string,
): string[] {
  const user = sandbox.context.banks.get(bank)?.findUser('marie.dupont');
  const account = user?.accounts.find((candidate) => candidate.resourceId === accountId);
  assert.ok(account, `${bank} has account ${accountId}`);
  return account.transactions
    .filter(
      (transaction) => transaction.bookingDate >= dateFrom && transaction.bookingDate < dateTo,
    )
    .map((transaction) => transaction.resourceId);
}
