/**
 * STET amounts: reading the bank's `amount` (a string in 1.4.0.47, a JSON number from 1.4.2 on)
 * into the contract's canonical decimal string, and writing one back the way a bank wants it in a
 * request body. Decimal text throughout, never float arithmetic.
 */

/*
 * Beyond 15 integer digits a value is no account balance, and `Number()` downstream would no
 * longer hold it exactly; beyond 20 decimals it is noise. STET 1.4.0.47 itself allows 13 and 5.
 */
const MAX_INTEGER_DIGITS = 15;
const MAX_FRACTION_DIGITS = 20;
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/**
 * Parses a STET `amount` into the canonical decimal string of the contract's `Money.amount`.
 *
 * STET 1.4.0.47 `AmountType.amount` is a string (`^-?[0-9]{1,13}(\.[0-9]{0,5})?$`); 1.4.2 and 1.5
 * make it a JSON number (`format: float`), and real BPCE data still sends strings, so both are
 * read. The work is done on the decimal text, never with float arithmetic: a number is read
 * through `String(n)`, which is the shortest text that round-trips, so `12.3` gives `"12.30"`.
 *
 * The canonical form: a dot, no `+`, no leading zeros, no exponent, at least two decimals,
 * decimals beyond two kept only while significant (`"1.10000"` → `"1.10"`, `12.345` →
 * `"12.345"`), and zero is always `"0.00"`, never `"-0.00"`. Leading `+`, leading zeros and
 * surrounding spaces are accepted on input.
 *
 * @throws {RangeError} when the value is not a finite decimal: NaN, an exponent (`1e21`), a
 *   comma, an empty string, or more than 15 integer digits.
 */
export function parseStetAmount(value: unknown): string {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError('amount is not a finite number');
    text = String(value);
  } else if (typeof value === 'string') {
    text = value.trim();
  } else {
    throw new RangeError('amount is neither a string nor a number');
  }
  const match = DECIMAL.exec(text);
  if (!match) throw new RangeError('amount is not a plain decimal');
  const [, sign = '', integerDigits = '', fractionDigits = ''] = match;
  if (integerDigits === '' && fractionDigits === '') {
    throw new RangeError('amount has no digits');
  }
  const integer = integerDigits.replace(/^0+(?=\d)/, '') || '0';
  if (integer.length > MAX_INTEGER_DIGITS || fractionDigits.length > MAX_FRACTION_DIGITS) {
    throw new RangeError('amount has too many digits');
  }
  const fraction = fractionDigits.replace(/0+$/, '').padEnd(2, '0');
  const isZero = /^0+$/.test(integer + fraction);
  return `${sign === '-' && !isZero ? '-' : ''}${integer}.${fraction}`;
}

/**
 * Writes a canonical amount the way a bank wants it in a request body: a string for STET
 * 1.4.0.47 (`AmountType.amount`, `^-?[0-9]{1,13}(\.[0-9]{0,5})?$`), a JSON number for 1.4.2 and
 * 1.5 (`type: number`). It is the inverse of {@link parseStetAmount} for funds confirmations
 * (`instructedAmount`).
 *
 * @throws {RangeError} when the amount is not a decimal, does not fit the 1.4.0.47 pattern (13
 *   integer digits, 5 decimals), or would not survive the conversion to a number exactly.
 */
export function formatAmountForBank(amount: string, format: 'string' | 'number'): string | number {
  const canonical = parseStetAmount(amount);
  const [integer = '', fraction = ''] = canonical.replace('-', '').split('.');
  if (integer.length > 13 || fraction.length > 5) {
    throw new RangeError('amount does not fit the stet amount pattern');
  }
  if (format === 'string') return canonical;
  const number = Number(canonical);
  // At most 18 significant digits can reach here; refuse the few that a double cannot carry.
  if (parseStetAmount(number) !== canonical) {
    throw new RangeError('amount cannot be written exactly as a json number');
  }
  return number;
}
