/**
 * Date windows for transaction history. Some banks cap the `dateFrom`..`dateTo` span of one
 * transactions request (BNP Paribas: three months); a longer range is asked as consecutive windows
 * that neither overlap nor leave a gap, newest first, since banks list transactions newest first.
 *
 * Dates are Paris calendar days, `YYYY-MM-DD`, `dateFrom` inclusive and `dateTo` exclusive, as
 * STET 1.4.0.47 defines its `dateFrom`/`dateTo` query parameters. Calendar arithmetic is done in
 * UTC on those labels, so a summer-time change never makes a day 23 or 25 hours long.
 */

/** `dateFrom` inclusive, `dateTo` exclusive, both `YYYY-MM-DD`. */
export interface DateRange {
  dateFrom: string;
  dateTo: string;
}

const DAY_MS = 86_400_000;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function toDayNumber(date: string): number {
  const millis = ISO_DATE.test(date) ? Date.parse(`${date}T00:00:00Z`) : NaN;
  // Date.parse rolls 30 February over to March: a date must read back as written.
  if (Number.isNaN(millis) || fromDayNumber(millis / DAY_MS) !== date) {
    throw new RangeError(`${date} is not a YYYY-MM-DD date`);
  }
  return millis / DAY_MS;
}

function fromDayNumber(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** `date` moved by `days` calendar days. */
export function addDays(date: string, days: number): string {
  return fromDayNumber(toDayNumber(date) + days);
}

/** How many calendar days `range` spans (`dateTo` excluded). */
export function countDays(range: DateRange): number {
  return toDayNumber(range.dateTo) - toDayNumber(range.dateFrom);
}

/**
 * Splits `range` into windows of at most `maxDays` days, newest first: the first window ends on
 * `range.dateTo`, each next one ends where the previous one starts, and the last one starts on
 * `range.dateFrom`. A range that fits is one window.
 *
 * @throws {RangeError} when the range is empty or reversed, or `maxDays` is not a positive integer.
 */
export function splitDateRange(range: DateRange, maxDays: number): DateRange[] {
  if (!Number.isInteger(maxDays) || maxDays < 1) {
    throw new RangeError('maxDays must be a positive integer');
  }
  const first = toDayNumber(range.dateFrom);
  const end = toDayNumber(range.dateTo);
  if (end <= first) throw new RangeError('dateFrom must be before dateTo');
  const windows: DateRange[] = [];
  for (let to = end; to > first; to -= maxDays) {
    windows.push({
      dateFrom: fromDayNumber(Math.max(first, to - maxDays)),
      dateTo: fromDayNumber(to),
    });
  }
  return windows;
}
