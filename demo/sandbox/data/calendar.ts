/**
 * The Europe/Paris banking calendar the sandbox banks live by: calendar arithmetic on ISO
 * `YYYY-MM-DD` dates and `YYYY-MM` months, French business days, and Paris UTC offsets.
 *
 * Offsets follow the EU summer-time rule (last Sunday of March to last Sunday of October, switching
 * at 01:00 UTC) rather than the host's time-zone database, so the generated data cannot change with
 * the machine it runs on. The rule holds for every year since 1996.
 */

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Sakamoto's month offsets for computing weekdays without allocating Date objects. */
const WEEKDAY_MONTH_OFFSETS = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];

const pad2 = (value: number): string => (value < 10 ? `0${value}` : String(value));

function toEpochMs(date: string): number {
  return Date.UTC(
    Number(date.slice(0, 4)),
    Number(date.slice(5, 7)) - 1,
    Number(date.slice(8, 10)),
  );
}

function toIsoDate(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/** Adds a number of calendar days (negative to go back) to an ISO date. */
export function addDays(date: string, days: number): string {
  const day = Number(date.slice(8, 10)) + days;
  // Most steps stay inside the month; only the others need the full calendar.
  if (day >= 1 && day <= 28) return `${date.slice(0, 8)}${pad2(day)}`;
  return toIsoDate(toEpochMs(date) + days * DAY_MS);
}

/** Adds a number of months (negative to go back) to a `YYYY-MM` month. */
export function addMonths(month: string, months: number): string {
  const index = Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1 + months;
  return `${Math.floor(index / 12)}-${pad2((index % 12) + 1)}`;
}

/** Counts the days of a `YYYY-MM` month, leap years included. */
export function countDaysInMonth(month: string): number {
  const year = Number(month.slice(0, 4));
  const monthNumber = Number(month.slice(5, 7));
  if (monthNumber === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(monthNumber) ? 30 : 31;
}

/** Gives the day of the week of an ISO date, 0 for Sunday through 6 for Saturday. */
export function getDayOfWeek(date: string): number {
  const monthNumber = Number(date.slice(5, 7));
  // Counting January and February as months of the previous year puts leap days last.
  const year = Number(date.slice(0, 4)) - (monthNumber < 3 ? 1 : 0);
  const leapDays = Math.floor(year / 4) - Math.floor(year / 100) + Math.floor(year / 400);
  const offset = WEEKDAY_MONTH_OFFSETS[monthNumber - 1] ?? 0;
  return (year + leapDays + offset + Number(date.slice(8, 10))) % 7;
}

/** Computes Easter Sunday with the anonymous Gregorian (Meeus/Jones/Butcher) algorithm. */
function computeEasterSunday(year: number): string {
  const golden = year % 19;
  const century = Math.floor(year / 100);
  const yearInCentury = year % 100;
  const leapCorrection = Math.floor(century / 4);
  const moonCorrection = Math.floor((century - Math.floor((century + 8) / 25) + 1) / 3);
  const epact = (19 * golden + century - leapCorrection - moonCorrection + 15) % 30;
  const weekday =
    (32 + 2 * (century % 4) + 2 * Math.floor(yearInCentury / 4) - epact - (yearInCentury % 4)) % 7;
  const shift = Math.floor((golden + 11 * epact + 22 * weekday) / 451);
  const monthAndDay = epact + weekday - 7 * shift + 114;
  const month = Math.floor(monthAndDay / 31);
  const day = (monthAndDay % 31) + 1;
  return `${year}-${pad2(month)}-${pad2(day)}`;
}

const holidaysByYear = new Map<number, ReadonlySet<string>>();

/**
 * Lists the eleven French public holidays of a year (Code du travail, art. L3133-1), the days on
 * which French banks do not book. Cached because every booking date asks for them.
 */
function listFrenchPublicHolidays(year: number): ReadonlySet<string> {
  let holidays = holidaysByYear.get(year);
  if (!holidays) {
    const easter = computeEasterSunday(year);
    const fixed = ['01-01', '05-01', '05-08', '07-14', '08-15', '11-01', '11-11', '12-25'];
    holidays = new Set([
      ...fixed.map((monthDay) => `${year}-${monthDay}`),
      addDays(easter, 1), // Easter Monday
      addDays(easter, 39), // Ascension Day
      addDays(easter, 50), // Whit Monday
    ]);
    holidaysByYear.set(year, holidays);
  }
  return holidays;
}

/** Tells whether an ISO date is a French public holiday. */
export function isFrenchPublicHoliday(date: string): boolean {
  return listFrenchPublicHolidays(Number(date.slice(0, 4))).has(date);
}

/** Tells whether French banks book on this date: a weekday that is not a public holiday. */
export function isBusinessDay(date: string): boolean {
  const weekday = getDayOfWeek(date);
  return weekday !== 0 && weekday !== 6 && !isFrenchPublicHoliday(date);
}

/** Gives the date itself if it is a business day, otherwise the next business day. */
export function rollForwardToBusinessDay(date: string): string {
  let day = date;
  while (!isBusinessDay(day)) day = addDays(day, 1);
  return day;
}

/** Gives the date itself if it is a business day, otherwise the previous business day. */
export function rollBackToBusinessDay(date: string): string {
  let day = date;
  while (!isBusinessDay(day)) day = addDays(day, -1);
  return day;
}

/** Gives the last business day of a `YYYY-MM` month, the usual deferred-card debit date. */
export function getLastBusinessDayOfMonth(month: string): string {
  return rollBackToBusinessDay(`${month}-${pad2(countDaysInMonth(month))}`);
}

function getLastSunday(year: number, monthIndex: number): number {
  const lastDay = new Date(Date.UTC(year, monthIndex + 1, 0));
  return lastDay.getUTCDate() - lastDay.getUTCDay();
}

/** Gives the calendar date in Europe/Paris at an instant, which is what "today" means for a bank. */
export function getParisDate(instant: Date): string {
  const epochMs = instant.getTime();
  if (Number.isNaN(epochMs)) throw new RangeError('The instant is not a valid date.');
  const year = instant.getUTCFullYear();
  const summerStart = Date.UTC(year, 2, getLastSunday(year, 2), 1);
  const summerEnd = Date.UTC(year, 9, getLastSunday(year, 9), 1);
  const offsetHours = epochMs >= summerStart && epochMs < summerEnd ? 2 : 1;
  return toIsoDate(epochMs + offsetHours * HOUR_MS);
}

/**
 * Gives the UTC offset ("+01:00" or "+02:00") of a Paris wall-clock time. In the hour that
 * occurs twice in October the first, summer-time, occurrence is meant.
 */
export function getParisUtcOffset(date: string, time: string): string {
  const year = Number(date.slice(0, 4));
  const local = `${date}T${time}`;
  const summerStart = `${year}-03-${pad2(getLastSunday(year, 2))}T02:00`;
  const summerEnd = `${year}-10-${pad2(getLastSunday(year, 9))}T03:00`;
  return local >= summerStart && local < summerEnd ? '+02:00' : '+01:00';
}

/** Formats a Paris wall-clock time as an ISO 8601 date-time with its offset. */
export function formatParisDateTime(date: string, time: string): string {
  return `${date}T${time}${getParisUtcOffset(date, time)}`;
}
