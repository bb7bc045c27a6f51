/**
 * The one table of the BFF's error codes: for each, the HTTP status it is answered with, whether
 * trying again may succeed, and the default message. The BFF answers from it, the OpenAPI document
 * lists it, and the widget reads `retryable` from the answers it produces; no other copy exists.
 *
 * `retryable` means that trying again may succeed with no change on the caller's side: the same
 * request after `retryAfter` for a transient failure (a bank or the session store down, a rate
 * limit), or a new consent flow for a failure that ends one flow (`flow_*`, `*_mismatch`,
 * `authorization_failed`). A request the caller must change, a consent the customer must renew
 * (`reauth_required`) and a bug (`internal_error`) are not retryable.
 *
 * This module is plain data, with no dependency, so that browser and Node code can both read it.
 */

interface ErrorEntry {
  readonly status: number;
  readonly retryable: boolean;
  /** Lower-case, names no secret; a throw site may give a more precise one. */
  readonly message: string;
}

export const ERRORS = {
  invalid_request: {
    status: 400,
    retryable: false,
    message: 'the request is malformed',
  },
  payload_too_large: {
    status: 413,
    retryable: false,
    message: 'the request body is too large',
  },
  unsupported_media_type: {
    status: 415,
    retryable: false,
    message: 'the request body must be application/json',
  },
  origin_not_allowed: {
    status: 403,
    retryable: false,
    message: 'the Origin header must name an allowed partner origin',
  },
  csrf_header_missing: {
    status: 403,
    retryable: false,
    message: 'the x-bank-connect: 1 header is required',
  },
  rate_limited: {
    status: 429,
    retryable: true,
    message: 'too many flows started from this address',
  },
  unknown_aspsp: {
    status: 404,
    retryable: false,
    message: 'no bank with this id in the registry',
  },
  not_found: {
    status: 404,
    retryable: false,
    message: 'no such endpoint or resource',
  },
  widget_unavailable: {
    status: 404,
    retryable: false,
    message: 'this BFF has no widget build to serve: build or install @bank-connect/widget',
  },
  session_required: {
    status: 401,
    retryable: false,
    message: 'a valid session handle is required',
  },
  dpop_proof_required: {
    status: 401,
    retryable: false,
    message:
      'this session is bound to a key: send Authorization: DPoP <handle> with a DPoP proof signed by it',
  },
  invalid_dpop_proof: {
    status: 401,
    retryable: false,
    message: 'the DPoP proof is missing, malformed, expired, replayed or not for this request',
  },
  use_dpop_nonce: {
    status: 401,
    retryable: true,
    message: 'sign the proof again with the nonce in the DPoP-Nonce header',
  },
  flow_not_found: {
    status: 404,
    retryable: true,
    message: 'no such flow: start a new one',
  },
  flow_expired: {
    status: 410,
    retryable: true,
    message: 'the flow has expired: start a new one',
  },
  flow_already_used: {
    status: 409,
    retryable: true,
    message: 'this flow was already completed: start a new one',
  },
  flow_not_completed: {
    status: 409,
    retryable: true,
    message: 'this flow has not been completed yet',
  },
  state_mismatch: {
    status: 400,
    retryable: true,
    message: 'state does not match the flow',
  },
  issuer_mismatch: {
    status: 400,
    retryable: true,
    message: 'iss does not match the bank of this flow',
  },
  pkce_mismatch: {
    status: 400,
    retryable: true,
    message: 'codeVerifier does not match the code challenge of the flow',
  },
  access_denied: {
    status: 403,
    retryable: false,
    message: 'the consent does not cover this data',
  },
  authorization_failed: {
    status: 400,
    retryable: true,
    message: 'the bank refused the authorization: start a new flow',
  },
  api_key_required: {
    status: 401,
    retryable: false,
    message: 'the partner-server API needs a valid partner API key',
  },
  unattended_limit_reached: {
    status: 429,
    retryable: true,
    message:
      'four reads of this resource without the customer in 24 hours already reached the bank, and none is cached yet',
  },
  reauth_required: {
    status: 401,
    retryable: false,
    message: 'the consent has ended: the customer must authenticate again',
  },
  bank_unavailable: {
    status: 502,
    retryable: true,
    message: 'the bank cannot be reached',
  },
  bank_timeout: {
    status: 504,
    retryable: true,
    message: 'the bank did not answer in time',
  },
  bank_rate_limited: {
    status: 429,
    retryable: true,
    message: 'the bank is rate limiting',
  },
  bank_error: {
    status: 502,
    retryable: false,
    message: 'the bank sent an answer that does not conform',
  },
  session_store_unavailable: {
    status: 503,
    retryable: true,
    message: 'the session store is unavailable',
  },
  internal_error: {
    status: 500,
    retryable: false,
    message: 'internal error',
  },
} as const satisfies Record<string, ErrorEntry>;

/** A stable error code: callers test these, never messages. */
export type ErrorCode = keyof typeof ERRORS;

/** Every code, in the table's order. */
export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];
