import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatAmountForBank, parseStetAmount } from '../../backend-for-frontend/stet/amounts.js';

describe('parseStetAmount', () => {
  it('pads numbers and strings to two decimals', () => {
    assert.equal(parseStetAmount(12.3), '12.30');
    assert.equal(parseStetAmount('3.99'), '3.99');
    assert.equal(parseStetAmount('12'), '12.00');
    assert.equal(parseStetAmount(12), '12.00');
    assert.equal(parseStetAmount('5.'), '5.00');
    assert.equal(parseStetAmount('.5'), '0.50');
  });

  it('strips leading zeros, a leading plus and surrounding spaces', () => {
    assert.equal(parseStetAmount('-0012.5'), '-12.50');
    assert.equal(parseStetAmount('+7.1'), '7.10');
    assert.equal(parseStetAmount(' 42.00 '), '42.00');
    assert.equal(parseStetAmount('000'), '0.00');
  });

  it('keeps significant decimals beyond two and drops trailing zeros beyond two', () => {
    assert.equal(parseStetAmount('12.345'), '12.345');
    assert.equal(parseStetAmount(12.345), '12.345');
    assert.equal(parseStetAmount('1.10000'), '1.10');
    assert.equal(parseStetAmount('1.12300'), '1.123');
    assert.equal(parseStetAmount('1.00000'), '1.00');
  });

  it('never answers a negative zero', () => {
    assert.equal(parseStetAmount(-0), '0.00');
    assert.equal(parseStetAmount('-0'), '0.00');
    assert.equal(parseStetAmount('-0.000'), '0.00');
    assert.equal(parseStetAmount('-0.001'), '-0.001');
  });

  it('reads large amounts from their text, without float rounding', () => {
    assert.equal(parseStetAmount('9999999999999.99'), '9999999999999.99');
    assert.equal(parseStetAmount(1234567.89), '1234567.89');
    assert.equal(parseStetAmount('0.10'), '0.10');
  });

  it('rejects exponents, NaN, infinities, commas, text and non-scalars', () => {
    for (const value of [1e21, 1e-7, '1e3', NaN, Infinity, -Infinity, 'abc', '1,50', '12.3.4']) {
      assert.throws(() => parseStetAmount(value), RangeError, String(value));
    }
    for (const value of ['', ' ', '-', '.', '+', null, undefined, true, {}, ['1']]) {
      assert.throws(() => parseStetAmount(value), RangeError, JSON.stringify(value));
    }
  });

  it('rejects more than 15 integer digits, which no account holds', () => {
    assert.equal(parseStetAmount('123456789012345'), '123456789012345.00');
    assert.throws(() => parseStetAmount('1234567890123456'), RangeError);
  });
});

describe('formatAmountForBank', () => {
  it('writes a string for 1.4.0.47 banks and a number for 1.4.2+ banks', () => {
    assert.equal(formatAmountForBank('12.50', 'string'), '12.50');
    assert.equal(formatAmountForBank('12.50', 'number'), 12.5);
    assert.equal(formatAmountForBank('-0012.5', 'string'), '-12.50');
    assert.equal(formatAmountForBank('0.1', 'number'), 0.1);
  });

  it('round-trips through parseStetAmount', () => {
    for (const amount of ['0.00', '1.05', '-3.99', '123.456', '9999999999999.99']) {
      assert.equal(parseStetAmount(formatAmountForBank(amount, 'number')), amount);
      assert.equal(parseStetAmount(formatAmountForBank(amount, 'string')), amount);
    }
  });

  it('refuses amounts outside the STET pattern or not a decimal', () => {
    assert.throws(() => formatAmountForBank('12345678901234.00', 'string'), RangeError);
    assert.throws(() => formatAmountForBank('1.123456', 'number'), RangeError);
    assert.throws(() => formatAmountForBank('twelve', 'number'), RangeError);
  });
});
