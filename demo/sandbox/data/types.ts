/**
 * The sandbox banks' customer data, in the banks' own terms before any STET formatting.
 *
 * Amounts are integer cents so that no float rounding creeps in; each bank's profile decides
 * later whether they go out as strings or numbers. Dates are ISO `YYYY-MM-DD` strings in the
 * Europe/Paris calendar.
 */

/** How the second factor behaves for a test user. */
export type ScaBehaviour = 'succeeds' | 'always-fails';

export interface SandboxUser {
  /** What the customer types in the bank's login form. */
  login: string;
  password: string;
  namePrefix: 'MADM' | 'MIST' | 'MISS';
  firstName: string;
  lastName: string;
  /** Last four digits of the phone the one-time code is "sent" to. */
  phoneSuffix: string;
  sca: ScaBehaviour;
  accounts: SandboxAccount[];
  beneficiaries: SandboxBeneficiary[];
}

export interface SandboxBalance {
  balanceType: 'CLBD' | 'XPCD' | 'VALU' | 'OTHR';
  /** Label as the bank shows it, in French (e.g. "Solde comptable au 27/11/2026"). */
  name: string;
  amountCents: number;
  referenceDate: string;
  /** ISO 8601 date-time with offset. */
  lastChangeDateTime: string;
  lastCommittedTransaction?: string;
}

export interface SandboxTransaction {
  /** Unique within the bank, matches the STET ResourceId pattern. */
  resourceId: string;
  /** Technical incremental identification: fixed width, so string order is numeric order. */
  entryReference: string;
  /** Always positive; `creditDebitIndicator` gives the direction. */
  amountCents: number;
  creditDebitIndicator: 'CRDT' | 'DBIT';
  status: 'BOOK' | 'PDNG' | 'OTHR';
  bookingDate: string;
  valueDate: string;
  transactionDate: string;
  /** Unstructured remittance lines as the bank prints them, e.g. "CB CARREFOUR MARKET 12/11". */
  remittanceInformation: string[];
}

export interface SandboxAccount {
  /** STET accountResourceId: pattern ^[a-zA-Z0-9 /\-?:\()\.,']{1,35}$, stable across runs. */
  resourceId: string;
  cashAccountType: 'CACC' | 'CARD';
  /** Present for CACC accounts: a French IBAN with valid RIB key and IBAN check digits. */
  iban?: string;
  /** For CARD accounts: the masked PAN, e.g. "XXXXXXXXXXXX1234". */
  maskedPan?: string;
  name: string;
  product: string;
  details?: string;
  usage: 'PRIV' | 'ORGA';
  psuStatus: 'Account Holder' | 'Co-account Holder';
  currency: 'EUR';
  /** For a deferred-debit card: the resourceId of the current account it is settled on. */
  linkedAccount?: string;
  balances: SandboxBalance[];
  /** Newest first. */
  transactions: SandboxTransaction[];
}

export interface SandboxBeneficiary {
  id: string;
  creditorName: string;
  iban: string;
  bicFi?: string;
  agentName?: string;
}

/** What the generator needs to know of a bank. */
export interface BankIdentity {
  id: string;
  /** 5-digit French bank code (code banque) used in the bank's IBANs. */
  bankCode: string;
  /** 5-digit branch code (code guichet). */
  branchCode: string;
  bic: string;
  /** Short product prefix used in account names, e.g. "Azur". */
  brand: string;
}
