/**
 * The limit on accesses made without the customer: PSD2 RTS (Regulation (EU) 2018/389)
 * Art. 36(5)(b) lets an AISP reach account information on its own "no more than four times in a
 * 24-hour period". Every sandbox bank that accepts unattended calls counts them per consent and per
 * resource (the account list counts for the consent as a whole, balances and transactions per
 * account) over the last 24 hours of its own clock, and refuses the fifth with 429, as BPCE does.
 */
import type { BankState } from '../state.js';
import { StetError } from './errors.js';

export const UNATTENDED_ACCESSES_PER_DAY = 4;
const WINDOW_MS = 86_400_000;

/** The accesses of one consent to one resource, by the bank's clock in milliseconds. */
export interface UnattendedAccesses {
  grantId: string;
  /** `accounts`, `accounts/<id>/balances`, `accounts/<id>/transactions`, `end-user-identity`… */
  resource: string;
  times: number[];
}

/** Records an unattended access, or throws a 429 `StetError` when it would be the fifth in 24 h. */
export function recordUnattendedAccess(state: BankState, grantId: string, resource: string): void {
  const now = state.now();
  const key = `${grantId} ${resource}`;
  const entry = state.unattendedAccesses.get(key) ?? { grantId, resource, times: [] };
  entry.times = entry.times.filter((time) => time > now - WINDOW_MS && time <= now);
  const [oldest] = entry.times;
  if (entry.times.length >= UNATTENDED_ACCESSES_PER_DAY && oldest !== undefined) {
    const retryAfter = Math.max(1, Math.ceil((oldest + WINDOW_MS - now) / 1000));
    throw new StetError(
      429,
      `unattended access limit reached: ${UNATTENDED_ACCESSES_PER_DAY} in 24 hours without the customer (PSD2 RTS art. 36(5))`,
      { 'Retry-After': String(retryAfter) },
    );
  }
  entry.times.push(now);
  state.unattendedAccesses.set(key, entry);
}

/** The counters as the admin API shows them: accesses in the last 24 hours and what is left. */
export function describeUnattendedAccesses(state: BankState) {
  const now = state.now();
  return [...state.unattendedAccesses.values()].map((entry) => {
    const times = entry.times.filter((time) => time > now - WINDOW_MS && time <= now);
    const grant = state.grants.get(entry.grantId);
    return {
      grantId: entry.grantId,
      login: grant?.login ?? null,
      resource: entry.resource,
      used: times.length,
      remaining: Math.max(0, UNATTENDED_ACCESSES_PER_DAY - times.length),
      ...(times[0] === undefined ? {} : { oldestCountedAt: new Date(times[0]).toISOString() }),
    };
  });
}
