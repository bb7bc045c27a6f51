import type { BankConnectError } from '../errors.js';

/** How `createBankConnectClient` tries a failed read again; every field in milliseconds but `retries`. */
export interface RetryPolicy {
  /** How many times a read that failed retryably is sent again: 0 never retries. */
  retries: number;
  /** The wait before the first retry when the BFF names none; doubled before each next one. */
  retryDelay: number;
  /**
   * The longest wait: the backoff stops growing there, and a failure whose `retryAfter` asks for
   * more is thrown at once, for the caller to decide.
   */
  maxRetryDelay: number;
}

/** The defaults: two retries, after 0.5 s then 1 s, and never a wait of more than 10 s. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retries: 2,
  retryDelay: 500,
  maxRetryDelay: 10_000,
};

/** Asserts a retry option where it enters: a whole number within its bounds. */
function readOption(value: number | undefined, name: keyof RetryPolicy, max: number): number {
  if (value === undefined) return DEFAULT_RETRY_POLICY[name];
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`the ${name} option must be a whole number from 0 to ${max}`);
  }
  return value;
}

/** The policy of the client's options, each checked; the defaults for those not given. */
export function readRetryPolicy(options: Partial<RetryPolicy>): RetryPolicy {
  return {
    retries: readOption(options.retries, 'retries', 10),
    retryDelay: readOption(options.retryDelay, 'retryDelay', 60_000),
    maxRetryDelay: readOption(options.maxRetryDelay, 'maxRetryDelay', 300_000),
  };
}

/**
 * How long to wait before retry number `attempt` (from 0) after `error`, or undefined when not to
 * retry: the error is not retryable, the retries are spent, or the BFF asks for a longer wait than
 * the policy allows. The BFF's `retryAfter` (its `Retry-After`, RFC 9110 §10.2.3) wins over the
 * policy's backoff.
 */
export function computeRetryDelay(
  error: BankConnectError,
  attempt: number,
  policy: RetryPolicy,
): number | undefined {
  if (!error.retryable || attempt >= policy.retries) return undefined;
  if (error.retryAfter === undefined) {
    return Math.min(policy.retryDelay * 2 ** attempt, policy.maxRetryDelay);
  }
  const asked = error.retryAfter * 1000;
  return asked <= policy.maxRetryDelay ? asked : undefined;
}
