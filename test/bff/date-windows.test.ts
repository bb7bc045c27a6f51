import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  addDays,
  countDays,
  splitDateRange,
  type DateRange,
} from '../../backend-for-frontend/stet/date-windows.js';

/** A `YYYY-MM-DD` between 1990 and 2099. */
const isoDate = fc
  .integer({ min: Date.UTC(1990, 0, 1) / 86_400_000, max: Date.UTC(2099, 11, 31) / 86_400_000 })
  .map((day) => new Date(day * 86_400_000).toISOString().slice(0, 10));

const splitCase = fc.record({
  dateFrom: isoDate,
  days: fc.integer({ min: 1, max: 2_000 }),
  maxDays: fc.integer({ min: 1, max: 400 }),
});

describe('splitDateRange', () => {
  it('covers the range exactly: contiguous windows, no overlap, no gap, newest first', () => {
    fc.assert(
      fc.property(splitCase, ({ dateFrom, days, maxDays }) => {
        const range: DateRange = { dateFrom, dateTo: addDays(dateFrom, days) };
        const windows = splitDateRange(range, maxDays);
        assert.equal(windows[0]?.dateTo, range.dateTo, 'the first window ends on dateTo');
        assert.equal(windows.at(-1)?.dateFrom, range.dateFrom, 'the last starts on dateFrom');
        for (const [index, window] of windows.entries()) {
          const span = countDays(window);
          assert.ok(span >= 1 && span <= maxDays, `window ${index} spans ${span} days`);
          const older = windows[index + 1];
          if (older) assert.equal(older.dateTo, window.dateFrom, 'each ends where the next starts');
        }
        assert.equal(
          windows.reduce((total, window) => total + countDays(window), 0),
          days,
          'the spans add up to the range',
        );
        assert.equal(windows.length, Math.ceil(days / maxDays), 'as few windows as possible');
      }),
    );
  });

  it('puts every day of the range in exactly one window', () => {
    fc.assert(
      fc.property(splitCase, fc.nat(), ({ dateFrom, days, maxDays }, pick) => {
        const range = { dateFrom, dateTo: addDays(dateFrom, days) };
        const day = addDays(dateFrom, pick % days);
        const holding = splitDateRange(range, maxDays).filter(
          (window) => window.dateFrom <= day && day < window.dateTo,
        );
        assert.equal(holding.length, 1, day);
      }),
    );
  });

  it('splits 181 days into 93 and 88, across a summer-time change', () => {
    assert.deepEqual(splitDateRange({ dateFrom: '2026-01-01', dateTo: '2026-07-01' }, 93), [
      { dateFrom: '2026-03-30', dateTo: '2026-07-01' },
      { dateFrom: '2026-01-01', dateTo: '2026-03-30' },
    ]);
  });

  it('answers one window for a range that fits', () => {
    const range = { dateFrom: '2026-01-01', dateTo: '2026-04-04' };
    assert.deepEqual(splitDateRange(range, 93), [range]);
  });

  it('refuses an empty or reversed range, a bad date and a window that is not a whole day', () => {
    assert.throws(() => splitDateRange({ dateFrom: '2026-01-02', dateTo: '2026-01-02' }, 93));
    assert.throws(() => splitDateRange({ dateFrom: '2026-01-03', dateTo: '2026-01-02' }, 93));
    assert.throws(() => splitDateRange({ dateFrom: '2026-02-30', dateTo: '2026-03-02' }, 93));
    for (const maxDays of [0, -1, 1.5, NaN]) {
      assert.throws(
        () => splitDateRange({ dateFrom: '2026-01-01', dateTo: '2026-03-01' }, maxDays),
        RangeError,
      );
    }
  });
});
