import { BffClient, hasStrings, parseBffUrl, type SendRequest } from '../bff-client.js';
import type {
  AccountList,
  AspspDirectory,
  BalanceList,
  Identity,
  SessionInfo,
  TransactionPage,
  TransactionsQuery,
} from '../contract.js';
import { fetchWithDpop } from '../dpop/dpop-fetch.js';
import { BankConnectError, toBankConnectError } from '../errors.js';
import { computeRetryDelay, readRetryPolicy, type RetryPolicy } from './retry-policy.js';

/** What `createBankConnectClient` takes. */
export interface BankConnectClientOptions extends Partial<RetryPolicy> {
  /** The BFF's base URL, as the element's `bff` attribute: absolute http(s), no query. */
  bff: string | URL;
  /**
   * The session handle of `bank-connect-success`. Every call but `aspsps()` sends it, bound to
   * this browser's key; without it they answer `SESSION_REQUIRED`.
   */
  sessionHandle?: string | undefined;
  /**
   * The BFF runs in cookie mode, same-site with this page: the session is the BFF's HttpOnly
   * cookie, which every call sends (`credentials: 'include'`), so `sessionHandle` is not needed.
   */
  sessionCookie?: boolean | undefined;
}

/**
 * The session's data, read from the BFF by the customer's browser. Every call carries a DPoP
 * proof of the key the session is bound to (the one `<bank-connect>` connected it with) and fails
 * with a `BankConnectError`: the BFF's error code upper-cased, with `status`, `requestId` and
 * `retryAfter`, or the widget's `BFF_UNREACHABLE` and `BFF_BAD_RESPONSE`. Reads that fail
 * retryably are retried as the options say; `disconnect()` is never retried.
 */
export interface BankConnectClient {
  /** `GET /v1/aspsps`: the bank directory, names and logos. Needs no session. */
  aspsps(): Promise<AspspDirectory>;
  /** `GET /v1/session`: the session's bank, scopes, status and end of consent. */
  session(): Promise<SessionInfo>;
  /** `GET /v1/accounts`: the consented accounts. */
  accounts(): Promise<AccountList>;
  /** `GET /v1/accounts/{accountId}/balances`: one account's balances. */
  balances(accountId: string): Promise<BalanceList>;
  /**
   * `GET /v1/accounts/{accountId}/transactions`: one page. `dateFrom` is inclusive and `dateTo`
   * exclusive (`YYYY-MM-DD`); `cursor`, a previous page's `nextCursor`, carries its own dates and
   * is sent alone.
   */
  transactions(accountId: string, query?: TransactionsQuery): Promise<TransactionPage>;
  /**
   * Every page of an account's transactions for `dateFrom`–`dateTo`, one request per page as the
   * loop asks for it, following `nextCursor` to the last; stop early with `break`.
   */
  transactionPages(
    accountId: string,
    query?: Omit<TransactionsQuery, 'cursor'>,
  ): AsyncGenerator<TransactionPage, void, undefined>;
  /** `GET /v1/identity`: the customer's name. */
  identity(): Promise<Identity>;
  /**
   * `DELETE /v1/session`: forgets the session at the BFF, which revokes its tokens at the bank
   * where the bank offers revocation. The handle opens nothing afterwards.
   */
  disconnect(): Promise<void>;
}

const isArrayOf = (name: string) => (payload: Record<string, unknown>) =>
  Array.isArray(payload[name]);

function isTransactionPage(payload: Record<string, unknown>): boolean {
  return (
    Array.isArray(payload.transactions) &&
    (payload.nextCursor === null || typeof payload.nextCursor === 'string')
  );
}

function wait(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/** The path of an account's resource; the id is the bank's, so it is encoded. */
function accountPath(accountId: string, resource: string): string {
  return `v1/accounts/${encodeURIComponent(accountId)}/${resource}`;
}

/**
 * Creates the client of one session, for the page that connected it: `@bank-connect/widget/client`.
 * Its proofs (RFC 9449) are signed with the key `<bank-connect>` keeps in this origin's IndexedDB,
 * so it works wherever the element connected the session, and a handle taken elsewhere does not.
 *
 * @example
 * const client = createBankConnectClient({ bff: 'https://bff.example/', sessionHandle });
 * const { accounts } = await client.accounts();
 * for await (const page of client.transactionPages(accounts[0].id, { dateFrom: '2026-01-01' })) {
 *   show(page.transactions);
 * }
 */
export function createBankConnectClient(options: BankConnectClientOptions): BankConnectClient {
  const bff = new BffClient(parseBffUrl(options.bff?.toString(), 'option'), options.sessionCookie);
  const policy = readRetryPolicy(options);
  const { sessionHandle } = options;
  if (sessionHandle !== undefined && typeof sessionHandle !== 'string') {
    throw new TypeError('the sessionHandle option must be a string');
  }
  const send: SendRequest = (url, init) => fetchWithDpop(url, init, sessionHandle || undefined);

  /** One read, retried while it fails retryably and the policy allows. */
  async function read<T>(
    path: string,
    check: (payload: Record<string, unknown>) => boolean,
    proof = true,
  ): Promise<T> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await bff.request_<T>('GET', path, { check, ...(proof ? { send } : {}) });
      } catch (error) {
        const failure = toBankConnectError(error);
        const delay = computeRetryDelay(failure, attempt, policy);
        if (delay === undefined) throw failure;
        await wait(delay);
      }
    }
  }

  const transactions = (accountId: string, query: TransactionsQuery = {}) => {
    const search = new URLSearchParams();
    for (const name of ['dateFrom', 'dateTo', 'cursor'] as const) {
      const value = query[name];
      if (value !== undefined) search.set(name, value);
    }
    const encoded = search.toString();
    return read<TransactionPage>(
      accountPath(accountId, encoded ? `transactions?${encoded}` : 'transactions'),
      isTransactionPage,
    );
  };

  return {
    aspsps: () => read('v1/aspsps', isArrayOf('aspsps'), false),
    session: () =>
      read('v1/session', (payload) => hasStrings(payload, 'id aspsp expiresAt status')),
    accounts: () => read('v1/accounts', isArrayOf('accounts')),
    balances: (accountId) => read(accountPath(accountId, 'balances'), isArrayOf('balances')),
    transactions,
    async *transactionPages(accountId, query = {}) {
      const seen = new Set<string>();
      let page = await transactions(accountId, { dateFrom: query.dateFrom, dateTo: query.dateTo });
      yield page;
      while (page.nextCursor !== null) {
        // A BFF that hands a cursor out twice would page forever.
        if (seen.has(page.nextCursor)) {
          throw new BankConnectError('BFF_BAD_RESPONSE', 'the bff answered a cursor twice');
        }
        seen.add(page.nextCursor);
        page = await transactions(accountId, { cursor: page.nextCursor });
        yield page;
      }
    },
    identity: () => read('v1/identity', (payload) => hasStrings(payload, 'fullName')),
    disconnect: () => bff.request_<void>('DELETE', 'v1/session', { send }),
  };
}
