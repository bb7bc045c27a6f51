/**
 * The BFF's one error class and its mapping to HTTP. Every error the page sees has a stable
 * `code` (api-types.ts `ErrorCode`); callers test the code, never the message, and no message
 * ever carries a token, a code, a verifier or a key.
 */
import type { ErrorCode } from './api-types.js';

const STATUS: Record<ErrorCode, number> = {
  invalid_request: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  origin_not_allowed: 403,
  csrf_header_missing: 403,
  rate_limited: 429,
  unknown_aspsp: 404,
  not_found: 404,
  session_required: 401,
  flow_not_found: 404,
  flow_expired: 410,
  flow_already_used: 409,
  state_mismatch: 400,
  issuer_mismatch: 400,
  pkce_mismatch: 400,
  access_denied: 403,
  authorization_failed: 400,
  reauth_required: 401,
  bank_unavailable: 502,
  bank_timeout: 504,
  bank_rate_limited: 429,
  bank_error: 502,
  session_store_unavailable: 503,
  internal_error: 500,
};

/** Every stable error code, in one place: the OpenAPI document and the tests read it here. */
export const ERROR_CODES = Object.keys(STATUS) as ErrorCode[];

/** Whether retrying the same request later can succeed. */
const RETRYABLE = new Set<ErrorCode>([
  'rate_limited',
  'bank_unavailable',
  'bank_timeout',
  'bank_rate_limited',
  'session_store_unavailable',
]);

export class BffError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly aspsp: string | undefined;
  readonly retryAfter: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { aspsp?: string; retryAfter?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BffError';
    this.code = code;
    this.status = STATUS[code];
    this.aspsp = options.aspsp;
    this.retryAfter = options.retryAfter;
  }

  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }
}

/** Shorthand for an `invalid_request` naming the offending field. */
export function invalidRequest(message: string): BffError {
  return new BffError('invalid_request', message);
}
