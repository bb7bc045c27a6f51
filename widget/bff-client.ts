import type { ApiError, AspspDirectory, ErrorCode } from './contract.js';
import { BankConnectError, type BankConnectErrorCode } from './errors.js';

/** A request to the BFF as `BffClient` builds it: method, headers and body set. */
export type BffRequestInit = RequestInit & { method: string; headers: Record<string, string> };

/**
 * How a request goes out: `fetch` itself for the directory, or `fetchWithDpop`
 * (dpop/dpop-fetch.ts), which adds a DPoP proof and the session handle, for everything else.
 */
export type SendRequest = (url: URL, init: BffRequestInit) => Promise<Response>;

/**
 * Parses the `bff` attribute once: an absolute http(s) URL, without query or fragment. A bad
 * value is a configuration error, raised before any request.
 */
export function parseBffUrl(value: string | undefined | null, what = 'attribute'): URL {
  if (!value?.trim()) throw new BankConnectError('BFF_MISSING', `the bff ${what} is required`);
  const invalid = (cause?: unknown) =>
    new BankConnectError(
      'BFF_INVALID',
      `the bff ${what} must be an absolute http(s) url without query, fragment or credentials`,
      { cause },
    );
  let url: URL;
  try {
    url = new URL(value);
  } catch (cause) {
    throw invalid(cause);
  }
  if (!/^https?:$/.test(url.protocol) || url.search || url.hash || url.username || url.password) {
    throw invalid();
  }
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

/**
 * Typed calls to the backend-for-frontend. Every request carries the static `X-Bank-Connect`
 * header (the BFF's CSRF defence, RFC 10017 BFF section) and sends cookies only in cookie mode. The directory,
 * which needs no proof, is here; every call that carries a DPoP proof (the session, the flow)
 * comes with the signer in the consent chunk (`authorization/flow-requests.ts`). Members ending
 * in `_` are internal: the build shortens their names (see vite.config.ts).
 */
export class BffClient {
  /** The BFF's origin: the only origin a popup callback is accepted from. */
  readonly origin: string;
  #base: URL;
  #credentials: RequestCredentials;

  /** `cookie`: the BFF keeps the session in its cookie (cookie mode), which every call sends. */
  constructor(base: URL, cookie?: boolean) {
    this.#base = base;
    this.origin = base.origin;
    this.#credentials = cookie ? 'include' : 'omit';
  }

  /** `GET /v1/aspsps`: the bank directory. */
  listAspsps_(): Promise<AspspDirectory> {
    return this.request_<AspspDirectory>('GET', 'v1/aspsps', {
      check: (directory) =>
        Array.isArray(directory.aspsps) &&
        directory.aspsps.every((aspsp: unknown) => hasStrings(aspsp, 'id name bic logoUrl')),
    });
  }

  /**
   * One call to the BFF, sent by `send` (plain `fetch` by default). `check` looks at the fields
   * the caller reads: an answer of another shape (a proxy's page, another version of the BFF) is
   * `BFF_BAD_RESPONSE`, not a crash later on; without `check`, the answer is empty (204).
   */
  async request_<T>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    options: {
      body?: unknown;
      send?: SendRequest;
      check?: (payload: Record<string, unknown>) => boolean;
    },
  ): Promise<T> {
    const headers: Record<string, string> = { 'X-Bank-Connect': '1', Accept: 'application/json' };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    let response: Response;
    try {
      response = await (options.send ?? fetch)(new URL(path, this.#base), {
        method,
        headers,
        body: options.body === undefined ? null : JSON.stringify(options.body),
        credentials: this.#credentials,
        cache: method === 'GET' ? 'no-cache' : 'no-store',
      });
    } catch (cause) {
      throw new BankConnectError('BFF_UNREACHABLE', `the bff did not answer ${method} /${path}`, {
        cause,
      });
    }
    const payload: unknown = await response.json().catch(() => undefined);
    if (!response.ok) throw toApiError(response, payload);
    if (options.check ? !isRecord(payload) || !options.check(payload) : response.status !== 204) {
      throw new BankConnectError('BFF_BAD_RESPONSE', `the bff answered ${path} in another shape`);
    }
    return payload as T;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Whether `value` is an object whose space-separated `names` are all strings. */
export function hasStrings(value: unknown, names: string): boolean {
  return isRecord(value) && names.split(' ').every((name) => typeof value[name] === 'string');
}

/**
 * The BFF's error answer (the contract's `ApiError`) as a `BankConnectError`: its code
 * upper-cased, its message, `retryable`, and the HTTP status, `aspsp`, `requestId` and
 * `retryAfter` (the body's, else the `Retry-After` header's).
 */
function toApiError({ status, headers }: Response, payload: unknown): BankConnectError {
  const body = payload as Partial<ApiError> | undefined;
  const error =
    typeof body?.error === 'string'
      ? new BankConnectError(
          body.error.toUpperCase() as Uppercase<ErrorCode> & BankConnectErrorCode,
          typeof body.message === 'string' ? body.message : `bff error ${status}`,
          { retryable: body.retryable === true },
        )
      : new BankConnectError('BFF_BAD_RESPONSE', `the bff answered status ${status}`, {
          // A gateway's 502, 503 or 504 before the BFF: worth another try.
          retryable: status > 501 && status < 505,
        });
  return Object.assign(error, {
    status,
    aspsp: body?.aspsp,
    requestId: body?.requestId,
    // RFC 9110 §10.2.3: seconds, as the BFF sends it; a date reads as none.
    retryAfter: body?.retryAfter ?? (Number(headers.get('Retry-After')) || undefined),
  });
}
