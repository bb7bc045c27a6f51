import type { ErrorCode as BffErrorCode } from './contract.js';

/** Codes the widget raises itself, before or after talking to the BFF. */
export type WidgetErrorCode =
  | 'BFF_MISSING'
  | 'BFF_INVALID'
  | 'BFF_UNREACHABLE'
  | 'BFF_BAD_RESPONSE'
  | 'UNKNOWN_ASPSP'
  | 'POPUP_BLOCKED'
  | 'SCRIPT_LOAD_FAILED'
  | 'STATE_MISMATCH'
  | 'ISSUER_MISMATCH'
  | 'INVALID_CALLBACK'
  | 'FLOW_EXPIRED'
  | 'BANK_ERROR';

/** Every stable code a `bank-connect-error` event may carry: the widget's, and the BFF's upper-cased. */
export type BankConnectErrorCode = WidgetErrorCode | Uppercase<BffErrorCode>;

/**
 * The widget's own codes after which trying again (same bank, new flow) may succeed. A BFF error
 * says so itself: its `retryable` comes from the contract's error table.
 */
const RETRYABLE = new Set<BankConnectErrorCode>([
  'BFF_UNREACHABLE',
  'POPUP_BLOCKED',
  'SCRIPT_LOAD_FAILED',
  'STATE_MISMATCH',
  'ISSUER_MISMATCH',
  'INVALID_CALLBACK',
  'FLOW_EXPIRED',
  'BANK_ERROR',
]);

/**
 * The one error class of the widget. The page sees its `code`, `message` and `retryable` in
 * `bank-connect-error`, never the instance; code inside the widget tests `code` too.
 */
export class BankConnectError extends Error {
  /** Stable, upper-case code. */
  readonly code: BankConnectErrorCode;
  /** Whether a new attempt may succeed; drives the retry button. */
  readonly retryable: boolean;
  /** For an error the BFF answered: its HTTP status. */
  readonly status?: number;
  /** For an error the BFF answered: the id it logged the request under, for its operator. */
  readonly requestId?: string | undefined;
  /** For an error the BFF answered: the seconds it asks to wait before trying again, if it said. */
  readonly retryAfter?: number | undefined;
  /** For a bank's error or `REAUTH_REQUIRED` the BFF answered: the bank concerned. */
  readonly aspsp?: string | undefined;

  constructor(
    code: BankConnectErrorCode,
    message: string,
    options?: ErrorOptions & { retryable?: boolean },
  ) {
    super(message, options);
    this.name = 'BankConnectError';
    this.code = code;
    this.retryable = options?.retryable ?? RETRYABLE.has(code);
  }
}

/** Wraps anything thrown into a `BankConnectError`, keeping the original as `cause`. */
export function toBankConnectError(error: unknown): BankConnectError {
  if (error instanceof BankConnectError) return error;
  return new BankConnectError('BANK_ERROR', 'unexpected failure during the bank connection', {
    cause: error,
  });
}
