/**
 * What a bank's refusal means, written once for every call the BFF makes to a bank: its token
 * endpoint (code exchange, refresh, revocation) and its AISP/CBPII resources. The same status does
 * not mean the same at each: a 401 from a resource is an access token to renew, a 401 from the
 * token endpoint is the TPP's own registration; `invalid_grant` ends a consent at a refresh but
 * only a flow at a code exchange.
 */
import { BffError } from '../errors.js';
import { parseRetryAfter } from './transport.js';

/** Which call the bank answered. */
export type BankCall = 'resource' | 'code-exchange' | 'refresh' | 'revocation';

export interface BankRefusal {
  status: number;
  /** The answer's headers, for `Retry-After`. */
  headers?: { get(name: string): string | null };
  /**
   * The OAuth error code the bank gave: RFC 6749 §5.2 `error` in a token-endpoint body, or the
   * RFC 6750 §3 `error` of a `WWW-Authenticate` challenge.
   */
  error?: string | undefined;
  /** The bank's own words, from `readBankMessage`. */
  bankMessage?: string | undefined;
  cause?: unknown;
}

/** Longest bank message kept for the logs. */
const BANK_MESSAGE_MAX = 200;
/** A run that could be a token, a code or a key: never logged, whoever echoes it. */
const SECRET_LIKE = /[A-Za-z0-9\-._~+/]{24,}=*/g;

/**
 * The `message` of a STET error body (`ErrorModel`, STET 1.4.0.47), for the logs: at most 200
 * printable characters, with anything long enough to be a token replaced by `[redacted]`, as a
 * bank may echo what it refused. `undefined` when the body is not such an error.
 */
export function readBankMessage(text: string): string | undefined {
  let message: unknown;
  try {
    message = (JSON.parse(text) as { message?: unknown } | null)?.message;
  } catch {
    return undefined;
  }
  if (typeof message !== 'string') return undefined;
  const clean = message
    .replace(/[^\x20-\x7e\u00a0-\u024f\u2019]/g, ' ')
    .replace(SECRET_LIKE, '[redacted]')
    .trim();
  if (clean === '') return undefined;
  return clean.length > BANK_MESSAGE_MAX ? `${clean.slice(0, BANK_MESSAGE_MAX - 1)}…` : clean;
}

/** The pieces of a challenge (RFC 9110 §11.6.1): quoted-strings whole, tokens, `=` and `,`. */
const CHALLENGE_PIECE = /"(?:[^"\\]|\\.)*"|[^\s,="]+|[=,]/g;

/**
 * The RFC 6750 §3 `error` of a `WWW-Authenticate` header (`Bearer error="invalid_token", …`):
 * the first `error` auth-param, whatever its case, never text inside another param's quoted value;
 * `undefined` when there is none.
 */
export function readChallengeError(header: string | null): string | undefined {
  const pieces = header?.match(CHALLENGE_PIECE) ?? [];
  for (let index = 0; index + 2 < pieces.length; index++) {
    if (pieces[index]?.toLowerCase() !== 'error' || pieces[index + 1] !== '=') continue;
    const value = pieces[index + 2] ?? '';
    return value.startsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value;
  }
  return undefined;
}

/** A bank's error code is quoted in messages only when it has the RFC 6749 §5.2 shape. */
const SAFE_ERROR_CODE = /^[a-z][a-z0-9_]{0,63}$/i;

/**
 * Maps a bank's non-2xx answer to the BffError callers test by `code`:
 *
 * | answer | resource call | token endpoint |
 * | --- | --- | --- |
 * | 3xx | `bank_error`: never followed, the request carries a token | same |
 * | 429 | `bank_rate_limited` with `retryAfter` (RFC 6585 §4) | same |
 * | 5xx | `bank_unavailable` | same |
 * | `invalid_grant` (RFC 6749 §5.2) | — | `reauth_required` at a refresh or revocation, `authorization_failed` at a code exchange |
 * | 401, or RFC 6750 §3.1 `invalid_token` | `bank_unauthorized`: refresh and replay once | `bank_error` |
 * | 403 | `access_denied`: authenticated but not allowed (STET 1.4.0.47 responses `403`) | `bank_error` |
 * | 404 | `not_found` | `bank_error` |
 * | other 4xx | `bank_error` with `bankStatus`, so a route can blame the page's input | `bank_error` |
 *
 * At the token endpoint every other refusal is the TPP's configuration or the bank's, never the
 * customer's data: no `bankStatus`, so no route mistakes it for a refusal of the page's input.
 */
export function toBankError(aspsp: string, call: BankCall, refusal: BankRefusal): BffError {
  const { status, error, cause, bankMessage } = refusal;
  const base = {
    aspsp,
    ...(cause === undefined ? {} : { cause }),
    ...(bankMessage === undefined ? {} : { bankMessage }),
  };
  const answered = `the bank answered ${status}${error && SAFE_ERROR_CODE.test(error) ? ` ${error}` : ''}`;
  if (status >= 300 && status < 400) return new BffError('bank_error', answered, base);
  if (status === 429) {
    const retryAfter = parseRetryAfter(refusal.headers?.get('retry-after'));
    return new BffError('bank_rate_limited', 'the bank is rate limiting', {
      ...base,
      ...(retryAfter === undefined ? {} : { retryAfter }),
    });
  }
  if (status >= 500) return new BffError('bank_unavailable', answered, base);
  if (call !== 'resource') {
    if (error === 'invalid_grant') {
      return call === 'code-exchange'
        ? new BffError(
            'authorization_failed',
            'the bank refused the authorization code: start a new flow',
            base,
          )
        : new BffError(
            'reauth_required',
            'the bank refused the grant: the customer must authenticate again',
            base,
          );
    }
    return new BffError('bank_error', answered, base);
  }
  if (status === 401 || error === 'invalid_token') {
    return new BffError('bank_unauthorized', 'the bank refused the access token', base);
  }
  if (status === 403) {
    return new BffError('access_denied', 'the consent does not cover this data', base);
  }
  if (status === 404) return new BffError('not_found', 'the bank has no such resource', base);
  if (status >= 400) return new BffError('bank_error', answered, { ...base, bankStatus: status });
  return new BffError('bank_error', answered, base);
}
