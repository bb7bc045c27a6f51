import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  pickMonthEnds,
  reconstructDailyBalances,
  sumDailyBalances,
} from '../../demo/site/src/balance-history.js';
import { computeTicks, layOutChart } from '../../demo/site/src/chart-geometry.js';
import { addDays, parseCents } from '../../demo/site/src/money.js';

describe('reconstructDailyBalances', () => {
  it('walks back from the booked balance, undoing each day’s transactions', () => {
    const days = reconstructDailyBalances(
      { cents: 100_000, date: '2026-03-10' },
      [
        { date: '2026-03-10', cents: -2_000 },
        { date: '2026-03-09', cents: 50_000 },
        { date: '2026-03-09', cents: -1_000 },
        { date: '2026-03-07', cents: -500 },
      ],
      '2026-03-07',
    );
    assert.deepEqual(days, [
      { date: '2026-03-07', cents: 53_000 },
      { date: '2026-03-08', cents: 53_000 },
      { date: '2026-03-09', cents: 102_000 },
      { date: '2026-03-10', cents: 100_000 },
    ]);
  });

  it('ignores transactions booked after the balance’s reference date', () => {
    const days = reconstructDailyBalances(
      { cents: 1_000, date: '2026-03-10' },
      [{ date: '2026-03-11', cents: -999 }],
      '2026-03-09',
    );
    assert.deepEqual(
      days.map((day) => day.cents),
      [1_000, 1_000],
    );
  });
});

describe('sumDailyBalances and pickMonthEnds', () => {
  it('adds accounts day by day and keeps the last day of each month', () => {
    const total = sumDailyBalances([
      [
        { date: '2026-01-31', cents: 100 },
        { date: '2026-02-01', cents: 200 },
      ],
      [
        { date: '2026-01-31', cents: 10 },
        { date: '2026-02-01', cents: 20 },
      ],
    ]);
    assert.deepEqual(total, [
      { date: '2026-01-31', cents: 110 },
      { date: '2026-02-01', cents: 220 },
    ]);
    assert.deepEqual(
      pickMonthEnds(total).map((day) => day.date),
      ['2026-01-31', '2026-02-01'],
    );
  });
});

describe('money', () => {
  it('parses signed decimal strings into cents', () => {
    assert.equal(parseCents('-12.30'), -1_230);
    assert.equal(parseCents('1234.5'), 123_450);
    assert.equal(parseCents('7'), 700);
    assert.throws(() => parseCents('12,30'), /not a decimal string/);
  });

  it('adds calendar days across months', () => {
    assert.equal(addDays('2026-02-28', 1), '2026-03-01');
    assert.equal(addDays('2026-03-01', -1), '2026-02-28');
  });
});

describe('chart geometry', () => {
  it('picks round ticks that cover the range', () => {
    assert.deepEqual(computeTicks(120_000, 640_000), [0, 200_000, 400_000, 600_000, 800_000]);
  });

  it('draws the last point at the right edge of the plot', () => {
    const geometry = layOutChart(
      [
        { date: '2026-03-01', cents: 0 },
        { date: '2026-03-02', cents: 100 },
      ],
      300,
      200,
    );
    assert.equal(geometry.last.x, 300 - 16);
    assert.deepEqual(geometry.months, [{ x: 64, date: '2026-03-01' }]);
  });
});
