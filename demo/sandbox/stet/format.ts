/**
 * Turns the sandbox's data into STET JSON the way each bank's profile writes it: amounts as
 * strings (1.4.0.47) or numbers (1.4.2+), dates as `date` or `date-time`, remittance as an array
 * or an object, balances embedded in the account list or not.
 */
import type { BankDefinition } from '../banks.js';
import { formatParisDateTime } from '../data/calendar.js';
import type {
  SandboxAccount,
  SandboxBalance,
  SandboxBeneficiary,
  SandboxTransaction,
  SandboxUser,
} from '../data/types.js';
import type { LinkWriter } from './links.js';

type Json = Record<string, unknown>;

/** Formats integer cents as STET wants: `"-12.30"` (1.4.0.47) or `-12.3` (1.4.2+). */
export function formatAmount(bank: BankDefinition, cents: number): string | number {
  const text = `${cents < 0 ? '-' : ''}${Math.floor(Math.abs(cents) / 100)}.${String(Math.abs(cents) % 100).padStart(2, '0')}`;
  return bank.profile.stetVersion === '1.4.0.47' ? text : Number(text);
}

/** Parses a STET amount (string or number, per profile) into cents, or undefined if invalid. */
export function parseAmount(bank: BankDefinition, value: unknown): number | undefined {
  if (bank.profile.stetVersion === '1.4.0.47') {
    if (typeof value !== 'string' || !/^-?[0-9]{1,13}(\.[0-9]{0,5})?$/.test(value))
      return undefined;
  } else if (typeof value !== 'number' || !Number.isFinite(value)) {
    return undefined;
  }
  const cents = Math.round(Number(value) * 100);
  return Number.isSafeInteger(cents) ? cents : undefined;
}

function formatDate(bank: BankDefinition, date: string): string {
  return bank.profile.stetVersion === '1.4.0.47' ? date : formatParisDateTime(date, '00:00:00');
}

function amount(bank: BankDefinition, cents: number): Json {
  return { amount: formatAmount(bank, cents), currency: 'EUR' };
}

/** The path of an account's sub-resource relative to the API root: `v1/accounts/<id>/<leaf>`. */
export function accountPath(account: SandboxAccount, leaf: 'balances' | 'transactions'): string {
  return `v1/accounts/${encodeURIComponent(account.resourceId)}/${leaf}`;
}

export function formatBalance(bank: BankDefinition, balance: SandboxBalance): Json {
  return {
    name: balance.name,
    balanceAmount: amount(bank, balance.amountCents),
    balanceType: balance.balanceType,
    lastChangeDateTime: balance.lastChangeDateTime,
    referenceDate: formatDate(bank, balance.referenceDate),
    ...(balance.lastCommittedTransaction
      ? { lastCommittedTransaction: balance.lastCommittedTransaction }
      : {}),
  };
}

export function formatAccount(
  bank: BankDefinition,
  account: SandboxAccount,
  link: LinkWriter,
): Json {
  const accountId = account.iban
    ? { iban: account.iban }
    : {
        other: {
          identification: account.maskedPan ?? account.resourceId,
          schemeName: 'CPAN',
          issuer: bank.bic,
        },
      };
  return {
    resourceId: account.resourceId,
    bicFi: bank.bic,
    accountId:
      bank.profile.stetVersion === '1.4.0.47'
        ? accountId
        : { ...accountId, currency: account.currency },
    name: account.name,
    ...(account.details ? { details: account.details } : {}),
    ...(account.linkedAccount ? { linkedAccount: account.linkedAccount } : {}),
    usage: account.usage,
    cashAccountType: account.cashAccountType,
    product: account.product,
    ...(bank.profile.stetVersion === '1.4.0.47' ? { currency: account.currency } : {}),
    ...(bank.profile.balancesInAccountList
      ? { balances: account.balances.map((balance) => formatBalance(bank, balance)) }
      : {}),
    psuStatus: account.psuStatus,
    _links: {
      balances: link(accountPath(account, 'balances')),
      transactions: link(accountPath(account, 'transactions')),
    },
  };
}

export function formatTransaction(bank: BankDefinition, transaction: SandboxTransaction): Json {
  return {
    resourceId: transaction.resourceId,
    entryReference: transaction.entryReference,
    transactionAmount: amount(bank, transaction.amountCents),
    creditDebitIndicator: transaction.creditDebitIndicator,
    status: transaction.status,
    bookingDate: formatDate(bank, transaction.bookingDate),
    valueDate: formatDate(bank, transaction.valueDate),
    transactionDate: formatDate(bank, transaction.transactionDate),
    remittanceInformation:
      bank.profile.stetVersion === '1.4.0.47'
        ? transaction.remittanceInformation
        : { unstructured: transaction.remittanceInformation },
  };
}

export function formatIdentity(user: SandboxUser, link: LinkWriter): Json {
  const title = { MADM: 'Mme', MIST: 'M.', MISS: 'Mlle' }[user.namePrefix];
  return {
    identity: {
      fullName: `${title} ${user.firstName} ${user.lastName}`,
      namePrefix: user.namePrefix,
      firstName: user.firstName,
      lastName: user.lastName,
    },
    _links: { self: link('v1/end-user-identity') },
  };
}

export function formatBeneficiary(beneficiary: SandboxBeneficiary): Json {
  return {
    id: beneficiary.id,
    isTrusted: true,
    ...(beneficiary.bicFi
      ? {
          creditorAgent: {
            bicFi: beneficiary.bicFi,
            ...(beneficiary.agentName ? { name: beneficiary.agentName } : {}),
          },
        }
      : {}),
    creditor: { name: beneficiary.creditorName },
    creditorAccount: { iban: beneficiary.iban },
  };
}
