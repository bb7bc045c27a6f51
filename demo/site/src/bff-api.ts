/**
 * The dashboard's calls to the backend-for-frontend, with the session handle the widget gave the
 * page. Every call sends `X-Bank-Connect: 1` (the BFF's CSRF defence) and the handle as a bearer;
 * the handle is opaque and only this BFF accepts it: it is not a bank token.
 */
import type {
  Account,
  AccountList,
  ApiError,
  AspspDirectory,
  AspspSummary,
  BalanceList,
  ErrorCode,
  Identity,
  SessionInfo,
  Transaction,
  TransactionPage,
} from '../../../backend-for-frontend/contract/index.js';

/** Why a BFF call failed: a BFF error code, or `network_error` when there was no answer. */
export type BffFailureCode = ErrorCode | 'network_error' | 'invalid_response';

/** A failed BFF call; callers test `code`, e.g. `reauth_required`. */
export class BffRequestError extends Error {
  readonly code: BffFailureCode;
  readonly status: number;
  readonly aspsp: string | undefined;

  constructor(code: BffFailureCode, message: string, status = 0, aspsp?: string) {
    super(message);
    this.name = 'BffRequestError';
    this.code = code;
    this.status = status;
    this.aspsp = aspsp;
  }
}

/** The calls the dashboard makes, bound to one BFF and one session handle. */
export interface BffApi {
  listAspsps(): Promise<AspspSummary[]>;
  getSession(): Promise<SessionInfo>;
  deleteSession(): Promise<void>;
  getIdentity(): Promise<Identity>;
  listAccounts(): Promise<Account[]>;
  getBalances(accountId: string): Promise<BalanceList>;
  listTransactions(accountId: string, dateFrom: string, dateTo: string): Promise<Transaction[]>;
}

/** Stops following `nextCursor` after this many pages, so a chatty bank cannot stall the page. */
const MAX_PAGES = 40;

/**
 * Creates the BFF calls for one session handle. `bffUrl` is the BFF's base URL. Without a handle
 * only the public directory (`listAspsps`) answers.
 */
export function createBffApi(bffUrl: string, sessionHandle?: string): BffApi {
  const base = new URL(bffUrl.endsWith('/') ? bffUrl : `${bffUrl}/`);

  async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
    let response: Response;
    try {
      response = await fetch(new URL(path, base), {
        ...init,
        credentials: 'omit',
        headers: {
          Accept: 'application/json',
          'X-Bank-Connect': '1',
          ...(sessionHandle ? { Authorization: `Bearer ${sessionHandle}` } : {}),
        },
      });
    } catch (cause) {
      throw new BffRequestError('network_error', `no answer from the bff: ${String(cause)}`);
    }
    if (response.status === 204) return undefined as T;
    const body: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      const error = body as Partial<ApiError> | undefined;
      throw new BffRequestError(
        error?.error ?? 'invalid_response',
        error?.message ?? `the bff answered ${response.status}`,
        response.status,
        error?.aspsp,
      );
    }
    if (body === undefined) throw new BffRequestError('invalid_response', 'body is not json');
    return body as T;
  }

  const account = (id: string) => `v1/accounts/${encodeURIComponent(id)}`;

  return {
    listAspsps: async () => (await call<AspspDirectory>('v1/aspsps')).aspsps,
    getSession: () => call<SessionInfo>('v1/session'),
    deleteSession: () => call<void>('v1/session', { method: 'DELETE' }),
    getIdentity: () => call<Identity>('v1/identity'),
    listAccounts: async () => (await call<AccountList>('v1/accounts')).accounts,
    getBalances: (id) => call<BalanceList>(`${account(id)}/balances`),
    async listTransactions(id, dateFrom, dateTo) {
      const transactions: Transaction[] = [];
      let query = new URLSearchParams({ dateFrom, dateTo });
      for (let page = 0; page < MAX_PAGES; page += 1) {
        const result = await call<TransactionPage>(`${account(id)}/transactions?${query}`);
        transactions.push(...result.transactions);
        if (!result.nextCursor) break;
        query = new URLSearchParams({ cursor: result.nextCursor });
      }
      return transactions;
    },
  };
}
