/**
 * Amounts and dates as the BFF sends them (decimal strings, `YYYY-MM-DD`), turned into integer
 * cents and day arithmetic so that sums never drift.
 */
import { localeOf, type Lang } from './i18n.js';

/** Parses a signed decimal string such as `"-12.30"` into integer cents. */
export function parseCents(amount: string): number {
  const match = /^\s*([+-])?(\d+)(?:\.(\d{1,2})\d*)?\s*$/.exec(amount);
  if (!match) throw new TypeError(`amount "${amount}" is not a decimal string`);
  const [, sign, units = '0', fraction = ''] = match;
  const cents = Number(units) * 100 + Number(fraction.padEnd(2, '0'));
  return sign === '-' ? -cents : cents;
}

/** Formats cents as money in the page's language, e.g. `1 234,56 €`. */
export function formatCents(
  cents: number,
  currency: string,
  lang: Lang,
  options: { signed?: boolean; whole?: boolean } = {},
): string {
  return new Intl.NumberFormat(localeOf(lang), {
    style: 'currency',
    currency,
    signDisplay: options.signed ? 'exceptZero' : 'auto',
    maximumFractionDigits: options.whole ? 0 : 2,
    minimumFractionDigits: options.whole ? 0 : 2,
  }).format(cents / 100);
}

/** Adds days to a `YYYY-MM-DD` date (calendar days, no time zone involved). */
export function addDays(date: string, days: number): string {
  const time = Date.parse(`${date}T00:00:00Z`) + days * 86_400_000;
  return new Date(time).toISOString().slice(0, 10);
}

/** Today's date in the browser's time zone, as `YYYY-MM-DD`. */
export function today(now: Date = new Date()): string {
  const local = new Date(now.getTime() - now.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 10);
}

/** Formats a `YYYY-MM-DD` date, e.g. `12 mars` or `12 March 2026`. */
export function formatDate(
  date: string,
  lang: Lang,
  style: 'short' | 'long' | 'month' = 'short',
): string {
  const options: Intl.DateTimeFormatOptions =
    style === 'month'
      ? { month: 'short', timeZone: 'UTC' }
      : style === 'long'
        ? { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }
        : { day: 'numeric', month: 'short', timeZone: 'UTC' };
  return new Intl.DateTimeFormat(localeOf(lang), options).format(new Date(`${date}T00:00:00Z`));
}
