/**
 * French RIB keys and IBANs, so that every sandbox account number passes the checks a real
 * payment system or a partner's form would run on it.
 *
 * The RIB key is the French domestic check (Banque de France / CFONB "clé RIB"); the IBAN check
 * digits follow ISO 13616-1 with the ISO 7064 MOD 97-10 scheme.
 */

const BANK_CODE_PATTERN = /^\d{5}$/;
const ACCOUNT_NUMBER_PATTERN = /^[0-9A-Z]{11}$/;
const IBAN_PATTERN = /^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/;

/**
 * The CFONB table that turns account-number letters into digits for the RIB key: letters are
 * numbered in three runs (A–I, J–R, S–Z) and the run restarts at 1, except that S starts at 2.
 */
function convertRibLetter(letter: string): number {
  const position = letter.charCodeAt(0) - 'A'.charCodeAt(0);
  if (position < 9) return position + 1;
  if (position < 18) return position - 8;
  return position - 16;
}

/**
 * Computes the two-digit French RIB key of an account, as printed at the end of a RIB.
 *
 * The key is 97 − ((89 × bank code + 15 × branch code + 3 × account number) mod 97), where the
 * letters of the account number are first replaced by digits with the CFONB table (A and J are
 * 1, B, K and S are 2, … I and R are 9).
 */
export function computeRibKey(bankCode: string, branchCode: string, accountNumber: string): string {
  const account = accountNumber.toUpperCase();
  if (!BANK_CODE_PATTERN.test(bankCode) || !BANK_CODE_PATTERN.test(branchCode)) {
    throw new RangeError('Bank and branch codes must be five digits.');
  }
  if (!ACCOUNT_NUMBER_PATTERN.test(account)) {
    throw new RangeError('A French account number is eleven letters or digits.');
  }
  const accountDigits = account.replace(/[A-Z]/g, (letter) => String(convertRibLetter(letter)));
  // Every term stays far below 2^53, so plain number arithmetic is exact.
  const weighted = 89 * Number(bankCode) + 15 * Number(branchCode) + 3 * Number(accountDigits);
  return String(97 - (weighted % 97)).padStart(2, '0');
}

/**
 * Reduces an alphanumeric string modulo 97 the way ISO 13616 reads it: digits as themselves and
 * letters as two-digit numbers, A = 10 through Z = 35. Working digit by digit keeps 30-odd-digit
 * numbers out of floating point.
 */
function reduceModulo97(text: string): number {
  let remainder = 0;
  for (const character of text) {
    const value = Number.parseInt(character, 36);
    remainder = (remainder * (value < 10 ? 10 : 100) + value) % 97;
  }
  return remainder;
}

/**
 * Builds the electronic form (no spaces) of a French IBAN: "FR", the ISO 13616 check digits,
 * then the 23-character BBAN made of bank code, branch code, account number and RIB key.
 */
export function buildFrenchIban(
  bankCode: string,
  branchCode: string,
  accountNumber: string,
): string {
  const account = accountNumber.toUpperCase();
  const bban = `${bankCode}${branchCode}${account}${computeRibKey(bankCode, branchCode, account)}`;
  const checkDigits = 98 - reduceModulo97(`${bban}FR00`);
  return `FR${String(checkDigits).padStart(2, '0')}${bban}`;
}

/**
 * Tells whether an IBAN of any country is well formed and passes the ISO 13616 MOD 97-10 check.
 *
 * Spaces are ignored so that the paper format ("FR76 3000 …") is accepted too. Country-specific
 * lengths and the French RIB key are not checked: this is the generic test every IBAN must pass.
 */
export function isValidIban(iban: string): boolean {
  const compact = iban.replace(/ /g, '').toUpperCase();
  if (!IBAN_PATTERN.test(compact)) return false;
  // ISO 13616 only issues 02–98; 00, 01 and 99 are aliases that would otherwise slip through.
  const checkDigits = Number(compact.slice(2, 4));
  if (checkDigits < 2 || checkDigits > 98) return false;
  return reduceModulo97(`${compact.slice(4)}${compact.slice(0, 4)}`) === 1;
}
