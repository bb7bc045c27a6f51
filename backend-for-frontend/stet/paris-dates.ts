/**
 * Dates as French banks write them, read in their own calendar, Europe/Paris: STET `date` and
 * `date-time` values, leniently (BPCE's `+0200` offsets, a space for `T`, missing seconds), with
 * the Paris UTC offset cached per hour.
 */

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
// RFC 3339 date-time, plus what banks send: a space for `T`, no seconds, and BPCE's `+0200`.
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;

const parisParts = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Paris',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** Milliseconds since the epoch of a UTC wall-clock time; `Date.UTC` would shift years < 100. */
function toUtcMillis(year: number, month: number, day: number, hour = 0, minute = 0, second = 0) {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime();
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  const date = new Date(toUtcMillis(year, month, day));
  return (
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
  );
}

const HOUR_MS = 3_600_000;
const parisOffsetByHour = new Map<number, number>();

/**
 * The Paris UTC offset in milliseconds at an instant. Europe/Paris has only ever changed offset on
 * a whole UTC hour (since 1911), so one `Intl` call per hour is cached: `formatToParts` costs
 * about 20 µs, and a page of transactions shares a handful of hours.
 */
function readParisOffset(millis: number): number {
  const hour = Math.floor(millis / HOUR_MS);
  const cached = parisOffsetByHour.get(hour);
  if (cached !== undefined) return cached;
  const parts = parisParts.formatToParts(new Date(hour * HOUR_MS));
  const field = (type: string) => Number(parts.find((part) => part.type === type)?.value ?? NaN);
  const wall = toUtcMillis(
    field('year'),
    field('month'),
    field('day'),
    field('hour'),
    field('minute'),
    field('second'),
  );
  const offset = wall - hour * HOUR_MS;
  if (parisOffsetByHour.size >= 4_096) parisOffsetByHour.clear();
  parisOffsetByHour.set(hour, offset);
  return offset;
}

/** The Paris wall-clock fields of an instant. */
function readParisFields(millis: number) {
  const wall = new Date(millis + readParisOffset(millis));
  return {
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
  };
}

function formatDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

interface ParsedDateTime {
  date: string;
  /** The instant, when the text carried an offset. */
  instant?: number;
  /** The wall-clock time, for a date-time without an offset (taken as Paris time). */
  local?: { hour: number; minute: number; second: number };
}

function parseDateOrDateTime(value: unknown): ParsedDateTime | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  const dateOnly = DATE_ONLY.exec(text);
  if (dateOnly) {
    const [year, month, day] = dateOnly.slice(1, 4).map(Number) as [number, number, number];
    return isCalendarDate(year, month, day) ? { date: formatDate(year, month, day) } : undefined;
  }
  const match = DATE_TIME.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute] = match.slice(1, 6).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  // A leap second (RFC 3339 §5.6) is read as the last second of its minute.
  const second = Math.min(Number(match[6] ?? 0), 59);
  if (!isCalendarDate(year, month, day) || hour > 23 || minute > 59 || Number(match[6]) > 60) {
    return undefined;
  }
  const [zulu, offsetSign, offsetHours, offsetMinutes] = match.slice(8, 12);
  if (!zulu && !offsetSign) {
    return { date: formatDate(year, month, day), local: { hour, minute, second } };
  }
  let offset = 0;
  if (offsetSign) {
    const hours = Number(offsetHours);
    const minutes = Number(offsetMinutes);
    if (hours > 23 || minutes > 59) return undefined;
    offset = (offsetSign === '-' ? -1 : 1) * (hours * 60 + minutes) * 60_000;
  }
  const fraction = Number((match[7] ?? '').slice(0, 3).padEnd(3, '0'));
  const instant = toUtcMillis(year, month, day, hour, minute, second) + fraction - offset;
  const paris = readParisFields(instant);
  return { date: formatDate(paris.year, paris.month, paris.day), instant };
}

/**
 * Reads a STET date leniently and returns its `YYYY-MM-DD`, or `undefined` when the text is not
 * a real date (callers decide whether that is fatal).
 *
 * STET 1.4.0.47 types `bookingDate`, `valueDate`, `transactionDate` and `referenceDate` as
 * `format: date`; 1.4.2 and 1.5 as `format: date-time`. Banks mix both, and BPCE writes offsets
 * without a colon (`2022-08-25T00:00:00+0200`). A date-time with an offset is converted to its
 * calendar date in Europe/Paris, the banks' own calendar: `2026-03-29T23:30:00Z` is
 * `2026-03-30`. A date-time without an offset is taken as Paris wall-clock time, so its date part
 * is kept as written.
 */
export function parseStetDate(value: unknown): string | undefined {
  return parseDateOrDateTime(value)?.date;
}

/**
 * Reads a STET `format: date-time` (e.g. `lastChangeDateTime`) into an ISO 8601 UTC instant,
 * `2026-11-20T08:15:00.000Z`, so that no bank's offset style reaches the page. A date-time
 * without an offset is taken as Paris time.
 */
export function parseStetDateTime(value: unknown): string | undefined {
  const parsed = parseDateOrDateTime(value);
  if (!parsed) return undefined;
  if (parsed.instant !== undefined) return new Date(parsed.instant).toISOString();
  if (!parsed.local) return undefined;
  const [year, month, day] = parsed.date.split('-').map(Number) as [number, number, number];
  const { hour, minute, second } = parsed.local;
  const wall = toUtcMillis(year, month, day, hour, minute, second);
  // Two rounds settle the offset except inside a DST gap, where any answer is a guess anyway.
  let instant = wall - readParisOffset(wall);
  instant = wall - readParisOffset(instant);
  return new Date(instant).toISOString();
}

/**
 * The calendar date in Paris of an instant, `YYYY-MM-DD`: the banks' "today", which is not UTC's
 * between 22:00 or 23:00 UTC and midnight.
 */
export function formatParisDate(millis: number): string {
  const paris = readParisFields(millis);
  return formatDate(paris.year, paris.month, paris.day);
}
