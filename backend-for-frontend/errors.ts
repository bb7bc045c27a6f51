/**
 * The BFF's one error class. Its `code` is either a public code of the contract's table
 * (contract/errors.ts), answered with that table's status, or an internal code that callers
 * inside the BFF test and that never reaches the page as such (the error handler answers
 * `internal_error` for any that escapes). Callers test `code`, never `instanceof` a subclass, and
 * no message ever carries a token, an authorization code, a verifier or a key.
 */
import { ERRORS, type ErrorCode } from './contract/errors.js';

/**
 * Failures that stay inside the BFF:
 * - `bank_unauthorized`: a bank answered 401 to a resource call; the session service refreshes
 *   the tokens and replays once.
 * - `sealing_failed`: a sealed value did not authenticate (tampered with, or its key is gone).
 */
export type InternalErrorCode = 'bank_unauthorized' | 'sealing_failed';

export interface BffErrorOptions {
  /** The bank concerned, for bank errors and `reauth_required`. */
  aspsp?: string;
  /** Seconds to wait, for rate limits. */
  retryAfter?: number;
  /** For a bank's refusal: the HTTP status the bank answered. */
  bankStatus?: number;
  /** For `invalid_request`: the request field at fault, as a dotted path. */
  field?: string;
  /**
   * For a bank's refusal: the `message` of its STET error body, cleaned by `readBankMessage`.
   * Logged for operators, never answered to the page.
   */
  bankMessage?: string;
  cause?: unknown;
}

export class BffError extends Error {
  readonly code: ErrorCode | InternalErrorCode;
  readonly aspsp: string | undefined;
  readonly retryAfter: number | undefined;
  readonly bankStatus: number | undefined;
  readonly field: string | undefined;
  readonly bankMessage: string | undefined;

  constructor(
    code: ErrorCode | InternalErrorCode,
    message?: string,
    options: BffErrorOptions = {},
  ) {
    super(
      message ?? (isPublicCode(code) ? ERRORS[code].message : code),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'BffError';
    this.code = code;
    this.aspsp = options.aspsp;
    this.retryAfter = options.retryAfter;
    this.bankStatus = options.bankStatus;
    this.field = options.field;
    this.bankMessage = options.bankMessage;
  }
}

export function isPublicCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERRORS, code);
}

/** Whether `error` is a BffError with one of `codes`. */
export function hasCode<C extends ErrorCode | InternalErrorCode>(
  error: unknown,
  ...codes: C[]
): error is BffError & { code: C } {
  return error instanceof BffError && (codes as string[]).includes(error.code);
}

/** Shorthand for an `invalid_request` naming the offending field. */
export function invalidRequest(message: string, field?: string): BffError {
  return new BffError('invalid_request', message, field === undefined ? {} : { field });
}
