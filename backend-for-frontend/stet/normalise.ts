/**
 * Turns the JSON of any STET bank (1.4.0.47, 1.4.2 or 1.5 shapes, with the quirks listed in
 * shared/stet/NOTES.md §3) into the one bank-agnostic shape of the contract (contract/schemas.ts).
 *
 * Everything here is pure: no I/O, no clock. A body whose required structure is broken throws a
 * `bank_error` whose message names the field; an optional field that is malformed is dropped
 * rather than failing the whole answer, and unknown fields are ignored. Amounts are read by
 * amounts.ts and dates by paris-dates.ts.
 */
import { createHash } from 'node:crypto';
import type {
  Account,
  Balance,
  BalanceType,
  FundsConfirmation,
  Identity,
  Money,
  Transaction,
  TransactionStatus,
  TrustedBeneficiary,
} from '../contract/index.js';
import { BIC_PATTERN, IBAN_PATTERN } from '../contract/schemas.js';
import { BffError, hasCode } from '../errors.js';
import { parseStetAmount } from './amounts.js';
import { parseStetDate, parseStetDateTime } from './paris-dates.js';

/** A bank answered 2xx with a body that breaks the structure STET requires. */
function nonConforming(what: string, cause?: unknown): BffError {
  return new BffError(
    'bank_error',
    `the bank sent data that does not conform: ${what}`,
    cause === undefined ? {} : { cause },
  );
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readObject(body: unknown, what: string): JsonObject {
  if (!isObject(body)) throw nonConforming(`${what} is not an object`);
  return body;
}

function readArray(container: JsonObject, key: string, path: string): unknown[] {
  const value = container[key];
  if (value === undefined || value === null) throw nonConforming(`${path} is missing`);
  if (!Array.isArray(value)) throw nonConforming(`${path} is not an array`);
  return value;
}

function readText(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  return text === '' ? undefined : text;
}

/** `_links.next.href` of a HAL body, the opaque URL of the next page (STET Part I §3.4.2). */
function readNextHref(body: JsonObject): string | undefined {
  const links = body._links;
  if (!isObject(links) || !isObject(links.next)) return undefined;
  return readText(links.next.href);
}

function readMoney(value: unknown, path: string): Money {
  if (!isObject(value)) throw nonConforming(`${path} is missing`);
  if (value.amount === undefined || value.amount === null) {
    throw nonConforming(`${path}.amount is missing`);
  }
  let amount: string;
  try {
    amount = parseStetAmount(value.amount);
  } catch (error) {
    throw nonConforming(`${path}.amount is not a valid amount`, error);
  }
  const currency = readCurrency(value.currency);
  if (!currency) throw nonConforming(`${path}.currency is missing`);
  return { amount, currency };
}

/** ISO 4217 alphabetic code (STET `CurrencyCode`, `^[A-Z]{3}$`). */
function readCurrency(value: unknown): string | undefined {
  const text = readText(value)?.toUpperCase();
  return text && /^[A-Z]{3}$/.test(text) ? text : undefined;
}

// ---------------------------------------------------------------------------------------------
// Accounts and balances
// ---------------------------------------------------------------------------------------------

const BALANCE_TYPES = new Map<string, BalanceType>([
  ['CLBD', 'booked'],
  ['XPCD', 'expected'],
  ['VALU', 'value-date'],
]);

function readBalance(value: unknown, path: string): Balance {
  const balance = readObject(value, path);
  const code = readText(balance.balanceType);
  const referenceDate = parseStetDate(balance.referenceDate);
  const lastChangeDateTime = parseStetDateTime(balance.lastChangeDateTime);
  return {
    type: BALANCE_TYPES.get(code?.toUpperCase() ?? '') ?? 'other',
    name: readText(balance.name) ?? code ?? '',
    amount: readMoney(balance.balanceAmount, `${path}.balanceAmount`),
    ...(referenceDate ? { referenceDate } : {}),
    ...(lastChangeDateTime ? { lastChangeDateTime } : {}),
  };
}

function readBalanceList(values: unknown[], path: string): Balance[] {
  return values.map((value, index) => readBalance(value, `${path}[${index}]`));
}

/**
 * Normalises `GET /accounts/{accountResourceId}/balances` (STET 1.4.0.47 `HalBalances` /
 * `BalanceResource`; 1.5.0 the same with numbers and date-times). `balanceType` CLBD is
 * `booked`, XPCD `expected`, VALU `value-date`; OTHR, ITAV (seen in real data) and anything else
 * are `other`. `referenceDate` becomes `YYYY-MM-DD`, `lastChangeDateTime` an ISO UTC instant.
 *
 * @throws `bank_error` when `balances` is not an array or a balance has no valid
 *   `balanceAmount`.
 */
export function normaliseBalances(body: unknown): Balance[] {
  const hal = readObject(body, 'balances body');
  return readBalanceList(readArray(hal, 'balances', 'balances'), 'balances');
}

function readIban(value: unknown): string | undefined {
  const text = readText(value)?.replace(/\s+/g, '').toUpperCase();
  return text && IBAN_PATTERN.test(text) ? text : undefined;
}

function readAccount(value: unknown, path: string): Account {
  const account = readObject(value, path);
  const id = readText(account.resourceId);
  if (!id) throw nonConforming(`${path}.resourceId is missing`);
  const accountId = isObject(account.accountId) ? account.accountId : {};
  const iban = readIban(accountId.iban);
  const other = isObject(accountId.other) ? readText(accountId.other.identification) : undefined;
  const identifier = (iban ?? other)?.replace(/\s+/g, '');
  const product = readText(account.product);
  const usage = readText(account.usage);
  const holderStatus = readText(account.psuStatus);
  const linkedAccountId = readText(account.linkedAccount);
  let balances: Balance[] | undefined;
  if (Array.isArray(account.balances)) {
    try {
      balances = readBalanceList(account.balances, `${path}.balances`);
    } catch (error) {
      // Embedded balances are optional (BNP sends none): a broken one costs the list, not the
      // accounts, and the caller can still ask /balances.
      if (!hasCode(error, 'bank_error')) throw error;
    }
  }
  return {
    id,
    // `name` is required by the spec; a bank that forgets it still gets a label.
    name: readText(account.name) ?? product ?? id,
    type: readText(account.cashAccountType)?.toUpperCase() === 'CARD' ? 'card' : 'current',
    maskedIdentifier: identifier ? `•••• ${identifier.slice(-4)}` : '',
    ...(iban ? { iban } : {}),
    ...(product ? { product } : {}),
    ...(usage === 'PRIV'
      ? { usage: 'private' as const }
      : usage === 'ORGA'
        ? { usage: 'professional' as const }
        : {}),
    ...(holderStatus ? { holderStatus } : {}),
    ...(linkedAccountId ? { linkedAccountId } : {}),
    currency: readCurrency(account.currency) ?? readCurrency(accountId.currency) ?? 'EUR',
    ...(balances ? { balances } : {}),
  };
}

/**
 * Normalises `GET /accounts` (STET 1.4.0.47 `HalAccounts` / `AccountResource`; 1.5.0 moves
 * `currency` into `accountId`). `cashAccountType` CARD is a `card`, anything else a `current`
 * account; `maskedIdentifier` is `•••• ` and the last four characters of the IBAN, or of
 * `accountId.other.identification` (a masked PAN for cards), or empty when the bank sends
 * neither; `usage` PRIV is `private`, ORGA `professional`; `psuStatus` becomes `holderStatus`;
 * `currency` defaults to EUR; `balances` are kept only when the bank embeds them. The 204 that
 * STET allows for "no account" is the caller's to handle; an empty `accounts` array gives `[]`.
 *
 * @throws `bank_error` when `accounts` is not an array or an account has no `resourceId`.
 */
export function normaliseAccounts(body: unknown): Account[] {
  const hal = readObject(body, 'accounts body');
  return readArray(hal, 'accounts', 'accounts').map((value, index) =>
    readAccount(value, `accounts[${index}]`),
  );
}

// ---------------------------------------------------------------------------------------------
// Transactions
// ---------------------------------------------------------------------------------------------

const TRANSACTION_STATUSES = new Map<string, TransactionStatus>([
  ['BOOK', 'booked'],
  ['PDNG', 'pending'],
]);

/**
 * The unstructured remittance lines: a string array in STET 1.4.0.47, `{ unstructured: [] }`
 * from 1.4.2 on; a bare string is accepted too. Structured references are not text to show.
 */
function readRemittanceLines(value: unknown): string[] {
  const lines = isObject(value) ? value.unstructured : value;
  if (typeof lines === 'string') return [lines];
  if (!Array.isArray(lines)) return [];
  return lines.filter((line): line is string => typeof line === 'string');
}

/** JSON with object keys sorted, so that the same fields always hash the same. */
function stringifyCanonically(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stringifyCanonically).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stringifyCanonically(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function hashTransaction(raw: JsonObject, occurrence: number): string {
  const text = stringifyCanonically(raw) + (occurrence > 0 ? `#${occurrence}` : '');
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

function readTransaction(
  value: unknown,
  path: string,
): Omit<Transaction, 'id'> & { raw: JsonObject } {
  const transaction = readObject(value, path);
  const money = readMoney(transaction.transactionAmount, `${path}.transactionAmount`);
  const indicator = readText(transaction.creditDebitIndicator)?.toUpperCase();
  // The indicator gives the direction (STET sends magnitudes); a bank that also signs its
  // amounts is not negated twice. Without an indicator the amount's own sign stands.
  const magnitude = money.amount.replace(/^-/, '');
  const amount =
    indicator === 'DBIT'
      ? /^0\.0+$/.test(magnitude)
        ? magnitude
        : `-${magnitude}`
      : indicator === 'CRDT'
        ? magnitude
        : money.amount;
  const status = readText(transaction.status)?.toUpperCase();
  const entryReference = readText(transaction.entryReference);
  const bookingDate = parseStetDate(transaction.bookingDate);
  const valueDate = parseStetDate(transaction.valueDate);
  const transactionDate = parseStetDate(transaction.transactionDate);
  return {
    raw: transaction,
    ...(entryReference ? { entryReference } : {}),
    amount: { amount, currency: money.currency },
    status: TRANSACTION_STATUSES.get(status ?? '') ?? 'other',
    ...(bookingDate ? { bookingDate } : {}),
    ...(valueDate ? { valueDate } : {}),
    ...(transactionDate ? { transactionDate } : {}),
    description: readRemittanceLines(transaction.remittanceInformation)
      .join(' ')
      .replace(/\s+/g, ' ')
      .trim(),
  };
}

/**
 * Normalises one page of `GET /accounts/{accountResourceId}/transactions` (STET 1.4.0.47
 * `HalTransactions` / `TransactionResource`; 1.4.2 and 1.5 shapes too) and returns the page's
 * `_links.next.href`, opaque, or `undefined` on the last page.
 *
 * - `amount` is signed from `creditDebitIndicator`: DBIT is negative.
 * - `status` BOOK is `booked`, PDNG `pending`; OTHR and 1.5's FUTR, INFO and RJCT are `other`.
 * - Dates become `YYYY-MM-DD` in the Paris calendar (see {@link parseStetDate}); an unreadable
 *   date is dropped.
 * - `description` is the unstructured remittance lines joined with one space, whitespace runs
 *   collapsed.
 * - `id` is `resourceId`, else `entryReference`, else the first 16 hex digits of the SHA-256 of
 *   the transaction's fields (keys sorted), so the same transaction gets the same id on every
 *   fetch. Within a page, ids never repeat: an id already taken (identical twin transactions,
 *   or a bank reusing a reference) falls back to the hash with the occurrence number mixed in.
 *
 * @throws `bank_error` when `transactions` is not an array or a transaction has no valid
 *   `transactionAmount`.
 */
export function normaliseTransactions(body: unknown): {
  transactions: Transaction[];
  nextHref: string | undefined;
} {
  const hal = readObject(body, 'transactions body');
  const parsed = readArray(hal, 'transactions', 'transactions').map((value, index) =>
    readTransaction(value, `transactions[${index}]`),
  );
  const taken = new Set<string>();
  const hashes = new Map<string, number>();
  const transactions = parsed.map(({ raw, ...transaction }): Transaction => {
    let id = readText(raw.resourceId) ?? transaction.entryReference;
    if (id === undefined || taken.has(id)) {
      const fields = stringifyCanonically(raw);
      let occurrence = hashes.get(fields) ?? 0;
      do {
        id = hashTransaction(raw, occurrence);
        occurrence += 1;
      } while (taken.has(id));
      hashes.set(fields, occurrence);
    }
    taken.add(id);
    return { id, ...transaction };
  });
  return { transactions, nextHref: readNextHref(hal) };
}

// ---------------------------------------------------------------------------------------------
// Identity, beneficiaries, funds confirmation
// ---------------------------------------------------------------------------------------------

/**
 * Normalises `GET /end-user-identity` in both its shapes: STET 1.4.2 (`connectedPsu`,
 * `connectedPsuNamePrefix`, `connectedPsuFirstName`, `connectedPsuLastName`) and 1.5
 * (`HalEndUserIdentity.identity{fullName, namePrefix, firstName, lastName}`, CR386). A missing
 * full name is rebuilt from the first and last names. `namePrefix` keeps the STET code (MADM,
 * MISS, MIST, DOCT) for the page to translate.
 *
 * @throws `bank_error` when no name at all can be read.
 */
export function normaliseIdentity(body: unknown): Identity {
  const hal = readObject(body, 'identity body');
  const identity = isObject(hal.identity)
    ? {
        fullName: readText(hal.identity.fullName),
        namePrefix: readText(hal.identity.namePrefix),
        firstName: readText(hal.identity.firstName),
        lastName: readText(hal.identity.lastName),
      }
    : {
        fullName: readText(hal.connectedPsu),
        namePrefix: readText(hal.connectedPsuNamePrefix),
        firstName: readText(hal.connectedPsuFirstName),
        lastName: readText(hal.connectedPsuLastName),
      };
  const composed = [identity.firstName, identity.lastName].filter(Boolean).join(' ');
  const fullName = identity.fullName ?? (composed || undefined);
  if (!fullName) {
    throw nonConforming(
      isObject(hal.identity) ? 'identity.fullName is missing' : 'connectedPsu is missing',
    );
  }
  return {
    fullName,
    ...(identity.firstName ? { firstName: identity.firstName } : {}),
    ...(identity.lastName ? { lastName: identity.lastName } : {}),
    ...(identity.namePrefix ? { namePrefix: identity.namePrefix } : {}),
  };
}

/**
 * Normalises one page of `GET /trusted-beneficiaries` (STET 1.4.x `HalBeneficiaries` /
 * `Beneficiary`: `id`, `creditor.name`, `creditorAccount.iban`, `creditorAgent.bicFi`) and
 * returns the page's `_links.next.href`. An IBAN or BIC that does not match its pattern is
 * dropped.
 *
 * @throws `bank_error` when `beneficiaries` is not an array or a beneficiary has no
 *   `creditor.name` (required by the spec).
 */
export function normaliseBeneficiaries(body: unknown): {
  beneficiaries: TrustedBeneficiary[];
  nextHref: string | undefined;
} {
  const hal = readObject(body, 'beneficiaries body');
  const beneficiaries = readArray(hal, 'beneficiaries', 'beneficiaries').map(
    (value, index): TrustedBeneficiary => {
      const path = `beneficiaries[${index}]`;
      const beneficiary = readObject(value, path);
      const name = isObject(beneficiary.creditor) ? readText(beneficiary.creditor.name) : undefined;
      if (!name) throw nonConforming(`${path}.creditor.name is missing`);
      const id = readText(beneficiary.id);
      const iban = isObject(beneficiary.creditorAccount)
        ? readIban(beneficiary.creditorAccount.iban)
        : undefined;
      const bic = isObject(beneficiary.creditorAgent)
        ? readText(beneficiary.creditorAgent.bicFi)?.toUpperCase()
        : undefined;
      return {
        ...(id ? { id } : {}),
        name,
        ...(iban ? { iban } : {}),
        ...(bic && BIC_PATTERN.test(bic) ? { bic } : {}),
      };
    },
  );
  return { beneficiaries, nextHref: readNextHref(hal) };
}

/**
 * Normalises the answer to `POST /funds-confirmations` (STET 1.4.0.47
 * `HalPaymentCoverageReport`: `{ request, result, _links }`): `result` true means the payment can
 * be covered.
 *
 * @throws `bank_error` when `result` is not a boolean.
 */
export function normaliseFundsConfirmation(body: unknown): FundsConfirmation {
  const report = readObject(body, 'funds confirmation body');
  if (report.result === undefined || report.result === null) {
    throw nonConforming('result is missing');
  }
  if (typeof report.result !== 'boolean') throw nonConforming('result is not a boolean');
  return { available: report.result };
}
