import type { ApiError, AspspDirectory, ErrorCode, SessionInfo } from './contract.js';
import { BankConnectError, type BankConnectErrorCode } from './errors.js';

/**
 * Parses the `bff` attribute once: an absolute http(s) URL, without query or fragment. A bad
 * value is a configuration error, raised before any request.
 */
export function parseBffUrl(value: string | undefined | null): URL {
  if (!value?.trim()) throw new BankConnectError('BFF_MISSING', 'the bff attribute is required');
  const invalid = (cause?: unknown) =>
    new BankConnectError(
      'BFF_INVALID',
      'the bff attribute must be an absolute http(s) url without query, fragment or credentials',
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
 * header (the BFF's CSRF defence, RFC 10017 BFF section) and never sends cookies. The calls of
 * the first screens are here; those of the authorization flow come with it, in the consent chunk
 * (`authorization/flow-requests.ts`). Members ending in `_` are internal: the build shortens
 * their names (see vite.config.ts).
 */
export class BffClient {
  /** The BFF's origin: the only origin a popup callback is accepted from. */
  readonly origin: string;
  #base: URL;

  constructor(base: URL) {
    this.#base = base;
    this.origin = base.origin;
  }

  /** `GET /v1/aspsps`: the bank directory. */
  listAspsps_(): Promise<AspspDirectory> {
    return this.request_<AspspDirectory>('GET', 'v1/aspsps', {
      check: (directory) =>
        Array.isArray(directory.aspsps) &&
        directory.aspsps.every((aspsp: unknown) => hasStrings(aspsp, 'id name bic logoUrl')),
    });
  }

  /** `GET /v1/session`: what the BFF knows of a session handle. */
  getSession_(sessionHandle: string): Promise<SessionInfo> {
    return this.request_<SessionInfo>('GET', 'v1/session', {
      sessionHandle,
      // A status the element does not know (a newer BFF's) reads as a consent to renew.
      check: (session) => hasStrings(session, 'aspsp expiresAt status'),
    });
  }

  /**
   * One call to the BFF. `check` looks at the fields the widget reads: an answer of another shape
   * (a proxy's page, another version of the BFF) is `BFF_BAD_RESPONSE`, not a crash later on.
   */
  async request_<T>(
    method: 'GET' | 'POST',
    path: string,
    options: {
      body?: unknown;
      sessionHandle?: string | undefined;
      check: (payload: Record<string, unknown>) => boolean;
    },
  ): Promise<T> {
    const headers: Record<string, string> = { 'X-Bank-Connect': '1', Accept: 'application/json' };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    if (options.sessionHandle) headers.Authorization = `Bearer ${options.sessionHandle}`;
    let response: Response;
    try {
      response = await fetch(new URL(path, this.#base), {
        method,
        headers,
        body: options.body === undefined ? null : JSON.stringify(options.body),
        credentials: 'omit',
        cache: method === 'GET' ? 'no-cache' : 'no-store',
      });
    } catch (cause) {
      throw new BankConnectError('BFF_UNREACHABLE', `the bff did not answer ${method} /${path}`, {
        cause,
      });
    }
    const payload: unknown = await response.json().catch(() => undefined);
    if (!response.ok) throw toApiError(response.status, payload);
    if (!isRecord(payload) || !options.check(payload)) {
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

function toApiError(status: number, payload: unknown): BankConnectError {
  const body = payload as Partial<ApiError> | undefined;
  if (typeof body?.error === 'string') {
    const code = body.error.toUpperCase() as Uppercase<ErrorCode> & BankConnectErrorCode;
    const message = typeof body.message === 'string' ? body.message : `bff error ${status}`;
    return new BankConnectError(code, message, {
      cause: { status, requestId: body.requestId },
      retryable: body.retryable === true,
    });
  }
  return new BankConnectError('BFF_BAD_RESPONSE', `the bff answered status ${status}`, {
    cause: { status },
  });
}
