import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseStetDate } from '../../backend-for-frontend/stet/paris-dates.js';

describe('parseStetDate', () => {
  it('keeps a plain date and refuses an impossible one', () => {
    assert.equal(parseStetDate('2026-11-20'), '2026-11-20');
    assert.equal(parseStetDate('2024-02-29'), '2024-02-29');
    assert.equal(parseStetDate('2026-02-29'), undefined);
    assert.equal(parseStetDate('2026-13-01'), undefined);
  });

  it('reads RFC 3339 date-times as their Paris calendar date', () => {
    assert.equal(parseStetDate('2026-11-20T00:00:00+01:00'), '2026-11-20');
    assert.equal(parseStetDate('2026-03-29T23:30:00Z'), '2026-03-30');
    assert.equal(parseStetDate('2026-01-14T22:59:59Z'), '2026-01-14');
    assert.equal(parseStetDate('2026-01-14T23:00:00Z'), '2026-01-15');
    assert.equal(parseStetDate('2026-12-31T23:30:00.250Z'), '2027-01-01');
    assert.equal(parseStetDate('2026-06-10T08:00:00-05:00'), '2026-06-10');
    assert.equal(parseStetDate('2026-06-10T20:00:00-05:00'), '2026-06-11');
  });

  it('reads BPCE offsets without a colon', () => {
    assert.equal(parseStetDate('2022-08-25T00:00:00+0200'), '2022-08-25');
    assert.equal(parseStetDate('2022-08-24T23:00:00+0000'), '2022-08-25');
  });

  it('follows the Paris summer-time changes', () => {
    // Before 01:00 UTC on 29 March 2026 Paris is at +01:00, after it at +02:00.
    assert.equal(parseStetDate('2026-03-28T22:59:00Z'), '2026-03-28');
    assert.equal(parseStetDate('2026-03-28T23:00:00Z'), '2026-03-29');
    assert.equal(parseStetDate('2026-07-14T21:59:00Z'), '2026-07-14');
    assert.equal(parseStetDate('2026-07-14T22:00:00Z'), '2026-07-15');
    // On 25 October 2026 Paris goes back to +01:00 at 01:00 UTC.
    assert.equal(parseStetDate('2026-10-24T22:00:00Z'), '2026-10-25');
    assert.equal(parseStetDate('2026-10-25T22:59:00Z'), '2026-10-25');
    assert.equal(parseStetDate('2026-10-25T23:00:00Z'), '2026-10-26');
  });

  it('takes a date-time without an offset as Paris wall-clock time', () => {
    assert.equal(parseStetDate('2026-03-29T23:30:00'), '2026-03-29');
    assert.equal(parseStetDate('2026-03-29 08:15'), '2026-03-29');
  });

  it('returns undefined for garbage', () => {
    for (const value of [
      'yesterday',
      '20261120',
      '2026-11-20T25:00:00Z',
      '2026-11-20T10:00:00+2',
      12,
      null,
    ]) {
      assert.equal(parseStetDate(value), undefined, String(value));
    }
  });
});
