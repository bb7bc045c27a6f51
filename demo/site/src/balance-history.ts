/**
 * Rebuilds an account's past balances from what the BFF gives: today's booked balance and the
 * booked transactions. Walking backwards, the balance at the end of a day is the known balance
 * minus every transaction booked after that day.
 */
import { addDays } from './money.js';

/** The balance at the end of one day, in cents. */
export interface DailyBalance {
  date: string;
  cents: number;
}

/**
 * Returns one balance per day from `from` to the balance's reference date, oldest first.
 * Transactions booked after the reference date are not in that balance and are ignored.
 */
export function reconstructDailyBalances(
  balance: { cents: number; date: string },
  movements: Iterable<{ date: string; cents: number }>,
  from: string,
): DailyBalance[] {
  const byDay = new Map<string, number>();
  for (const { date, cents } of movements) {
    if (date > balance.date) continue;
    byDay.set(date, (byDay.get(date) ?? 0) + cents);
  }
  const days: DailyBalance[] = [];
  let cents = balance.cents;
  for (let date = balance.date; date >= from; date = addDays(date, -1)) {
    days.push({ date, cents });
    // Undo this day's movements to get the previous day's closing balance.
    cents -= byDay.get(date) ?? 0;
  }
  return days.reverse();
}

/** Adds several accounts' daily balances day by day; a day missing from one counts as zero. */
export function sumDailyBalances(series: readonly DailyBalance[][]): DailyBalance[] {
  const totals = new Map<string, number>();
  for (const days of series) {
    for (const { date, cents } of days) totals.set(date, (totals.get(date) ?? 0) + cents);
  }
  return [...totals]
    .map(([date, cents]) => ({ date, cents }))
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

/** Keeps the last day of each calendar month (and the last day overall), for monthly ticks. */
export function pickMonthEnds(days: readonly DailyBalance[]): DailyBalance[] {
  return days.filter((day, index) => {
    const next = days[index + 1];
    return !next || next.date.slice(0, 7) !== day.date.slice(0, 7);
  });
}
