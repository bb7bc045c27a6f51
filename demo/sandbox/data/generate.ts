/**
 * The sandbox banks' customers: the same three test users at every bank, with accounts,
 * beneficiaries, six months of everyday French banking activity and balances that add up.
 *
 * Everything derives from seeded pseudo-random streams, one per bank, user, account and month, so
 * the output is a pure function of the bank and of today's date in Europe/Paris. A month's activity
 * does not depend on today: from one day to the next a transaction keeps its identifiers, dates and
 * amount, only its status moves from pending to booked, and the oldest ones leave the window. Each
 * month ends on a balance drawn for that month (a savings transfer, or the spouse's top-up on the
 * joint account, absorbs the difference), which keeps balances continuous and mostly positive.
 */
import {
  addDays,
  addMonths,
  countDaysInMonth,
  formatParisDateTime,
  getDayOfWeek,
  getLastBusinessDayOfMonth,
  getParisDate,
  rollBackToBusinessDay,
  rollForwardToBusinessDay,
} from './calendar.js';
import { buildFrenchIban } from './iban.js';
import {
  CASH_AMOUNTS_CENTS,
  DEFERRED_CARD_MERCHANTS,
  EMPLOYERS,
  ENERGY_SUPPLIERS,
  EVERYDAY_MERCHANTS,
  HOUSEHOLD_MERCHANTS,
  INSURERS,
  INTERNET_BOXES,
  MOBILE_PLANS,
  NAVIGO,
  STREAMING,
} from './merchants.js';
import type { Merchant, Subscription } from './merchants.js';
import type {
  BankIdentity,
  SandboxAccount,
  SandboxBalance,
  SandboxBeneficiary,
  SandboxTransaction,
  SandboxUser,
} from './types.js';

/** Days of history every account shows, today included: about six months. */
export const HISTORY_DAYS = 183;

/**
 * Entry references are `YYYYMMDD` of the transaction date followed by a four-digit sequence
 * within the bank's day, so that string order is chronological order across the whole bank.
 */
export const ENTRY_REFERENCE_LENGTH = 12;

const MONTH_NAMES =
  'JANVIER FEVRIER MARS AVRIL MAI JUIN JUILLET AOUT SEPTEMBRE OCTOBRE NOVEMBRE DECEMBRE'.split(' ');
/** Card activity from Sunday to Saturday: most shops shut on Sundays, Saturdays are busiest. */
const WEEKDAY_ACTIVITY = [0.4, 0.9, 0.9, 1, 1, 1.2, 1.6];
const SALARY_DAY = 28;
/** Other banks the beneficiaries hold their accounts at (bank code, branch code). */
const OTHER_BANKS: readonly (readonly [string, string])[] = [
  ['30004', '00817'],
  ['20041', '01005'],
  ['10278', '06039'],
];

interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
}

/** A movement before it gets identifiers and a status. Credits are positive cents. */
interface Entry {
  date: string;
  cents: number;
  lines: string[];
  /** For deferred-card purchases: the date of the statement that debits them. */
  statementDate?: string;
  reference?: string;
}

interface ScheduledLine {
  day: number;
  cents: number;
  label: string;
  /** Card subscriptions are taken on their day even at weekends; direct debits wait. */
  byCard?: boolean;
}

interface CardLedger {
  seed: string;
  perDay: number;
  last4: string;
  purchasesByMonth: Map<string, Entry[]>;
}

interface CurrentAccountPlan {
  seed: string;
  salary?: { cents: number; employer: string };
  scheduled: ScheduledLine[];
  perDay: number;
  merchants: readonly Merchant[];
  /** Above 1, purchase amounts lean towards the cheap end of each merchant's range. */
  amountSkew: number;
  cash: { min: number; max: number; place: string };
  healthRefunds: boolean;
  card?: CardLedger;
  /** Typical balance on the first of a month; every month draws its own around it. */
  levelCents: number;
  /** The movement that brings each month to the next month's drawn balance. */
  topUp: { day: number; credit: string; debit: string };
}

interface AccountDraft {
  account: Omit<SandboxAccount, 'balances' | 'transactions'>;
  source: { kind: 'current'; plan: CurrentAccountPlan } | { kind: 'card'; ledger: CardLedger };
  entries: Entry[];
}

interface UserDraft {
  user: Omit<SandboxUser, 'accounts'>;
  accounts: AccountDraft[];
}

interface HistoryWindow {
  /** Oldest booking date listed. */
  first: string;
  yesterday: string;
  today: string;
}

function hashText(text: string): number {
  let hash = 0x811c9dc5; // FNV-1a: tiny, and different seeds land far apart.
  for (let index = 0; index < text.length; index++) {
    hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193);
  }
  return hash >>> 0;
}

/** A mulberry32 stream seeded from the joined parts, so each concern gets its own sequence. */
function createRandom(...seedParts: string[]): Random {
  let state = hashText(seedParts.join('|'));
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let mixed = Math.imul(state ^ (state >>> 15), state | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new RangeError('Cannot pick from an empty list.');
      return item;
    },
  };
}

/** Each pool expanded once into one slot per unit of weight, so a draw is a single index. */
const merchantSlots = new WeakMap<readonly Merchant[], readonly Merchant[]>();

function pickMerchant(random: Random, merchants: readonly Merchant[]): Merchant {
  let slots = merchantSlots.get(merchants);
  if (!slots) {
    slots = merchants.flatMap((merchant) => Array<Merchant>(merchant.weight).fill(merchant));
    merchantSlots.set(merchants, slots);
  }
  return random.pick(slots);
}

function drawAmount(random: Random, merchant: Merchant, skew: number): number {
  const spread = merchant.maxCents - merchant.minCents;
  return merchant.minCents + Math.round(spread * random.next() ** skew);
}

const compareDates = (a: Entry, b: Entry): number =>
  a.date < b.date ? -1 : a.date > b.date ? 1 : 0;
const pad = (value: number, width: number): string => String(value).padStart(width, '0');
const formatDayMonth = (date: string): string => `${date.slice(8, 10)}/${date.slice(5, 7)}`;
const formatFrenchDate = (date: string): string => `${formatDayMonth(date)}/${date.slice(0, 4)}`;
const toStatementCase = (text: string): string =>
  text.normalize('NFD').replace(/\p{M}/gu, '').toUpperCase();

/** Dates late in the month move back to a business day, earlier ones forward, so none leaves it. */
function scheduleDate(month: string, day: number): string {
  const date = `${month}-${pad(day, 2)}`;
  return day >= 25 ? rollBackToBusinessDay(date) : rollForwardToBusinessDay(date);
}

function listDays(month: string): string[] {
  return Array.from(
    { length: countDaysInMonth(month) },
    (_, index) => `${month}-${pad(index + 1, 2)}`,
  );
}

function generateCardPurchases(
  random: Random,
  month: string,
  perDay: number,
  merchants: readonly Merchant[],
  skew: number,
): Entry[] {
  const entries: Entry[] = [];
  for (const date of listDays(month)) {
    const chance = Math.min(0.95, (perDay * (WEEKDAY_ACTIVITY[getDayOfWeek(date)] ?? 1)) / 3);
    for (let trial = 0; trial < 3; trial++) {
      if (random.next() >= chance) continue;
      const merchant = pickMerchant(random, merchants);
      const lines = [`CB ${merchant.name} ${formatDayMonth(date)}`];
      entries.push({ date, cents: -drawAmount(random, merchant, skew), lines });
    }
  }
  return entries;
}

/** Purchases on a deferred card go on the statement of the first month-end closing after them. */
function listCardPurchases(ledger: CardLedger, month: string): Entry[] {
  let purchases = ledger.purchasesByMonth.get(month);
  if (!purchases) {
    const random = createRandom(ledger.seed, month);
    const closing = getLastBusinessDayOfMonth(month);
    const nextClosing = getLastBusinessDayOfMonth(addMonths(month, 1));
    purchases = generateCardPurchases(random, month, ledger.perDay, DEFERRED_CARD_MERCHANTS, 1.5);
    for (const entry of purchases) {
      entry.statementDate = entry.date <= closing ? closing : nextClosing;
    }
    ledger.purchasesByMonth.set(month, purchases);
  }
  return purchases;
}

function sumStatement(ledger: CardLedger, month: string): number {
  const closing = getLastBusinessDayOfMonth(month);
  return [...listCardPurchases(ledger, addMonths(month, -1)), ...listCardPurchases(ledger, month)]
    .filter((entry) => entry.statementDate === closing)
    .reduce((sum, entry) => sum - entry.cents, 0);
}

function drawLevel(plan: CurrentAccountPlan, month: string): number {
  return Math.round(
    plan.levelCents * (0.85 + 0.3 * createRandom(plan.seed, 'level', month).next()),
  );
}

function generateCurrentMonth(plan: CurrentAccountPlan, month: string): Entry[] {
  const random = createRandom(plan.seed, month);
  const first: Entry[] = [];
  const rest: Entry[] = [];
  if (plan.salary) {
    const monthName = MONTH_NAMES[Number(month.slice(5, 7)) - 1] ?? '';
    first.push({
      date: scheduleDate(month, SALARY_DAY),
      cents: plan.salary.cents + random.int(-40, 80) * 100,
      lines: [`VIR SEPA SALAIRE ${monthName} ${plan.salary.employer}`],
    });
  }
  for (const line of plan.scheduled) {
    const date = line.byCard ? `${month}-${pad(line.day, 2)}` : scheduleDate(month, line.day);
    const label = line.byCard ? `CB ${line.label} ${formatDayMonth(date)}` : line.label;
    rest.push({ date, cents: line.cents, lines: [label] });
  }
  rest.push(...generateCardPurchases(random, month, plan.perDay, plan.merchants, plan.amountSkew));
  for (let count = random.int(plan.cash.min, plan.cash.max); count > 0; count--) {
    const date = `${month}-${pad(random.int(1, 28), 2)}`;
    const lines = [`RETRAIT DAB ${formatDayMonth(date)} ${plan.cash.place}`];
    rest.push({ date, cents: -random.pick(CASH_AMOUNTS_CENTS), lines });
  }
  if (plan.healthRefunds && random.next() < 0.6) {
    const date = scheduleDate(month, random.int(3, 22));
    const lines = ['VIR SEPA CPAM DE PARIS REMBOURSEMENT SOINS'];
    rest.push({ date, cents: random.int(1_650, 6_900), lines });
  }
  if (random.next() < 0.2) {
    const merchant = pickMerchant(random, plan.merchants);
    const date = `${month}-${pad(random.int(1, 28), 2)}`;
    const lines = [`AVOIR CB ${merchant.name} ${formatDayMonth(date)}`];
    rest.push({ date, cents: drawAmount(random, merchant, 2), lines });
  }
  if (plan.card) {
    const total = sumStatement(plan.card, month);
    const label = `PRLV CARTE DIFFERE ${month.slice(5, 7)}/${month.slice(0, 4)} XXXX${plan.card.last4}`;
    if (total > 0) {
      rest.push({ date: getLastBusinessDayOfMonth(month), cents: -total, lines: [label] });
    }
  }
  const flow = [...first, ...rest].reduce((sum, entry) => sum + entry.cents, 0);
  const gap = drawLevel(plan, addMonths(month, 1)) - drawLevel(plan, month) - flow;
  if (gap !== 0) {
    const lines = [gap > 0 ? plan.topUp.credit : plan.topUp.debit];
    first.push({ date: scheduleDate(month, plan.topUp.day), cents: gap, lines });
  }
  // Array sort is stable, so within a day salary and top-up come before the rest.
  return [...first, ...rest].sort(compareDates);
}

/** What every account and beneficiary of one user is built from. */
interface UserContext {
  bank: BankIdentity;
  prefix: string;
  random: Random;
}

function createCurrentAccount(
  { bank, prefix, random }: UserContext,
  index: number,
  details: Pick<SandboxAccount, 'name' | 'product' | 'psuStatus'>,
  plan: CurrentAccountPlan,
): AccountDraft {
  const accountNumber = `${random.int(10_000_000, 99_999_999)}${pad(index, 3)}`;
  const iban = buildFrenchIban(bank.bankCode, bank.branchCode, accountNumber);
  const resourceId = `${prefix}-cacc-${pad(index, 4)}`;
  return {
    account: {
      resourceId,
      cashAccountType: 'CACC',
      iban,
      ...details,
      usage: 'PRIV',
      currency: 'EUR',
    },
    source: { kind: 'current', plan },
    entries: [],
  };
}

function createBeneficiary(
  { bank, prefix, random }: UserContext,
  index: number,
  creditorName: string,
  atSameBank: boolean,
): SandboxBeneficiary {
  const [bankCode, branchCode] = atSameBank
    ? [bank.bankCode, bank.branchCode]
    : random.pick(OTHER_BANKS);
  const accountNumber = `${random.int(10_000_000, 99_999_999)}${pad(index + 100, 3)}`;
  const iban = buildFrenchIban(bankCode, branchCode, accountNumber);
  const beneficiary = { id: `${prefix}-bene-${pad(index, 4)}`, creditorName, iban };
  return atSameBank ? { ...beneficiary, bicFi: bank.bic } : beneficiary;
}

function createDebitLine(day: number, { label, cents }: Subscription): ScheduledLine {
  return { day, label, cents: -cents };
}

/** What a salaried personal account has in common, whoever holds it. */
const PERSONAL_ACCOUNT_HABITS = {
  merchants: EVERYDAY_MERCHANTS,
  amountSkew: 2,
  healthRefunds: true,
  topUp: {
    day: SALARY_DAY,
    credit: 'VIR EPARGNE AUTO DEPUIS LIVRET A',
    debit: 'VIR EPARGNE AUTO VERS LIVRET A',
  },
} satisfies Partial<CurrentAccountPlan>;

/** Marie Dupont: a personal account, a joint household account and a deferred-debit Visa Premier. */
function planMarie(bank: BankIdentity, prefix: string): UserDraft {
  const login = 'marie.dupont';
  const context = { bank, prefix, random: createRandom(bank.id, login) };
  const { random } = context;
  const salaryCents = random.int(3_000, 3_800) * 100;
  const householdShare = random.int(9, 12) * 10_000;
  const card: CardLedger = {
    seed: `${bank.id}|${login}|card`,
    perDay: 0.55,
    last4: pad(random.int(1_000, 9_999), 4),
    purchasesByMonth: new Map(),
  };
  const personal = createCurrentAccount(
    context,
    1,
    {
      name: 'Compte de Mme Marie Dupont',
      product: `${bank.brand} Compte courant`,
      psuStatus: 'Account Holder',
    },
    {
      ...PERSONAL_ACCOUNT_HABITS,
      seed: `${bank.id}|${login}|personal`,
      salary: { cents: salaryCents, employer: random.pick(EMPLOYERS) },
      scheduled: [
        { day: 1, cents: -householdShare, label: 'VIR PERMANENT COMPTE JOINT M ET MME DUPONT' },
        { day: 4, cents: -990, label: `COTISATION OFFRE ${toStatementCase(bank.brand)}` },
        createDebitLine(5, NAVIGO),
        createDebitLine(8, random.pick(MOBILE_PLANS)),
        { day: 12, cents: -1_349, label: 'NETFLIX.COM', byCard: true },
      ],
      perDay: 1.4,
      cash: { min: 2, max: 3, place: 'PARIS 11' },
      card,
      levelCents: Math.round(salaryCents * 1.3),
    },
  );
  const joint = createCurrentAccount(
    context,
    2,
    {
      name: 'Compte joint M. et Mme Dupont',
      product: `${bank.brand} Compte joint`,
      psuStatus: 'Co-account Holder',
    },
    {
      seed: `${bank.id}|${login}|joint`,
      scheduled: [
        { day: 1, cents: householdShare, label: 'VIR PERMANENT MME MARIE DUPONT' },
        { day: 5, cents: -random.int(105_000, 140_000), label: 'PRLV SEPA ECHEANCE PRET IMMO' },
        { day: 5, cents: 14_852, label: 'VIR SEPA CAF DE PARIS ALLOCATIONS FAMILIALES' },
        { day: 10, cents: -random.int(9_500, 16_000), label: random.pick(ENERGY_SUPPLIERS) },
        { day: 12, cents: -random.int(4_500, 8_000), label: random.pick(INSURERS) },
        createDebitLine(15, random.pick(INTERNET_BOXES)),
      ],
      perDay: 0.55,
      merchants: HOUSEHOLD_MERCHANTS,
      amountSkew: 1,
      cash: { min: 0, max: 1, place: 'PARIS 11' },
      healthRefunds: false,
      levelCents: 120_000,
      topUp: {
        day: 1,
        credit: 'VIR SEPA M THOMAS DUPONT PARTICIPATION',
        debit: 'VIR SEPA VERS M THOMAS DUPONT',
      },
    },
  );
  const deferredCard: AccountDraft = {
    account: {
      resourceId: `${prefix}-card-0001`,
      cashAccountType: 'CARD',
      maskedPan: `XXXXXXXXXXXX${card.last4}`,
      name: 'Carte Visa Premier différé',
      product: `${bank.brand} Visa Premier`,
      details: 'Carte à débit différé, prélevée le dernier jour ouvré du mois',
      usage: 'PRIV',
      psuStatus: 'Account Holder',
      currency: 'EUR',
      linkedAccount: personal.account.resourceId,
    },
    source: { kind: 'card', ledger: card },
    entries: [],
  };
  const beneficiaries = [
    createBeneficiary(context, 1, 'M. Thomas Dupont', false),
    createBeneficiary(context, 2, 'Lucas Dupont', true),
  ];
  if (random.next() < 0.5) {
    beneficiaries.push(createBeneficiary(context, 3, 'Mme Sylvie Garnier', false));
  }
  return {
    user: {
      login,
      password: 'azerty',
      namePrefix: 'MADM',
      firstName: 'Marie',
      lastName: 'Dupont',
      phoneSuffix: pad(random.int(0, 9_999), 4),
      sca: 'succeeds',
      beneficiaries,
    },
    accounts: [personal, joint, deferredCard],
  };
}

interface SingleAccountCustomer {
  identity: Pick<SandboxUser, 'login' | 'namePrefix' | 'firstName' | 'lastName' | 'sca'>;
  /** Fixed per user, so that identifiers do not depend on which users come before. */
  accountIndex: number;
  beneficiaryIndex: number;
  salaryEuros: readonly [number, number];
  rentEuros: readonly [number, number];
  landlord: string;
  cashPlace: string;
  beneficiary: string;
}

/** Customers with a single current account, a salary, a rent and the usual subscriptions. */
const SINGLE_ACCOUNT_CUSTOMERS: readonly SingleAccountCustomer[] = [
  {
    identity: {
      login: 'luc.martin',
      namePrefix: 'MIST',
      firstName: 'Luc',
      lastName: 'Martin',
      sca: 'succeeds',
    },
    accountIndex: 3,
    beneficiaryIndex: 4,
    salaryEuros: [2_500, 3_100],
    rentEuros: [850, 1_150],
    landlord: 'PRLV SEPA LOYER SCI LES TILLEULS',
    cashPlace: 'PARIS 15',
    beneficiary: 'M. Paul Martin',
  },
  {
    identity: {
      login: 'claire.petit',
      namePrefix: 'MADM',
      firstName: 'Claire',
      lastName: 'Petit',
      sca: 'always-fails',
    },
    accountIndex: 4,
    beneficiaryIndex: 5,
    salaryEuros: [2_400, 2_900],
    rentEuros: [850, 1_000],
    landlord: 'PRLV SEPA LOYER GESTIMMO PARIS',
    cashPlace: 'PARIS 18',
    beneficiary: 'Mme Anne Petit',
  },
];

function planSingleAccountCustomer(
  bank: BankIdentity,
  prefix: string,
  customer: SingleAccountCustomer,
): UserDraft {
  const { identity } = customer;
  const context = { bank, prefix, random: createRandom(bank.id, identity.login) };
  const { random } = context;
  const salaryCents = random.int(...customer.salaryEuros) * 100;
  const streaming = random.pick(STREAMING);
  const civility = identity.namePrefix === 'MIST' ? 'M.' : 'Mme';
  const account = createCurrentAccount(
    context,
    customer.accountIndex,
    {
      name: `Compte de ${civility} ${identity.firstName} ${identity.lastName}`,
      product: `${bank.brand} Compte courant`,
      psuStatus: 'Account Holder',
    },
    {
      ...PERSONAL_ACCOUNT_HABITS,
      seed: `${bank.id}|${identity.login}|current`,
      salary: { cents: salaryCents, employer: random.pick(EMPLOYERS) },
      scheduled: [
        { day: 3, cents: -random.int(...customer.rentEuros) * 100, label: customer.landlord },
        { day: 4, cents: -590, label: `COTISATION OFFRE ${toStatementCase(bank.brand)}` },
        createDebitLine(5, NAVIGO),
        createDebitLine(8, random.pick(MOBILE_PLANS)),
        { day: 10, cents: -random.int(4_000, 7_500), label: random.pick(ENERGY_SUPPLIERS) },
        { day: 12, cents: -random.int(1_200, 2_500), label: random.pick(INSURERS) },
        createDebitLine(15, random.pick(INTERNET_BOXES)),
        { ...createDebitLine(random.int(2, 27), streaming), byCard: true },
      ],
      perDay: 0.6,
      cash: { min: 1, max: 2, place: customer.cashPlace },
      levelCents: Math.round(salaryCents * 1.25),
    },
  );
  const beneficiary = createBeneficiary(
    context,
    customer.beneficiaryIndex,
    customer.beneficiary,
    false,
  );
  return {
    user: {
      ...identity,
      password: 'azerty',
      phoneSuffix: pad(random.int(0, 9_999), 4),
      beneficiaries: [beneficiary],
    },
    accounts: [account],
  };
}

/**
 * Numbers every movement of the bank in date order, then account and intraday order. Every day's
 * movements are all generated whatever today is, so a movement keeps its number from day to day.
 */
function assignEntryReferences(accounts: AccountDraft[]): void {
  const entriesByDate = new Map<string, Entry[]>();
  for (const entry of accounts.flatMap((account) => account.entries)) {
    const sameDay = entriesByDate.get(entry.date);
    if (sameDay) sameDay.push(entry);
    else entriesByDate.set(entry.date, [entry]);
  }
  for (const [date, entries] of entriesByDate) {
    const datePart = date.replace(/-/g, '');
    const sequenceWidth = ENTRY_REFERENCE_LENGTH - datePart.length;
    for (const [index, entry] of entries.entries()) {
      entry.reference = `${datePart}${pad(index + 1, sequenceWidth)}`;
    }
  }
}

function finishAccount(
  draft: AccountDraft,
  window: HistoryWindow,
  prefix: string,
  firstMonth: string,
): SandboxAccount {
  const { account, source, entries } = draft;
  const transactions: SandboxTransaction[] = [];
  let outsideCents = 0;
  let bookedCents = 0;
  let pendingCents = 0;
  for (const entry of entries) {
    if (entry.date > window.today) continue;
    const bookingDate = entry.statementDate ?? rollForwardToBusinessDay(entry.date);
    if (bookingDate < window.first) {
      outsideCents += entry.cents;
      continue;
    }
    // A card purchase stays pending with its statement; the statement's debit line follows the
    // current-account rule, and both agree because that debit is dated on the statement day.
    const pending =
      entry.statementDate !== undefined
        ? entry.statementDate >= window.yesterday
        : entry.date >= window.yesterday || bookingDate > window.today;
    if (pending) pendingCents += entry.cents;
    else bookedCents += entry.cents;
    const entryReference = entry.reference ?? '';
    transactions.push({
      resourceId: `${prefix}-tx-${entryReference}`,
      entryReference,
      amountCents: Math.abs(entry.cents),
      creditDebitIndicator: entry.cents > 0 ? 'CRDT' : 'DBIT',
      status: pending ? 'PDNG' : 'BOOK',
      bookingDate,
      valueDate: bookingDate,
      transactionDate: entry.date,
      remittanceInformation: [...entry.lines],
    });
  }
  transactions.reverse();
  const newest = transactions[0];
  const newestBooked = transactions.find((transaction) => transaction.status === 'BOOK');
  // Only the calendar date is an input, so the time of a change is unknown: the start of its day
  // is the one time that can never lie in the caller's future.
  const changedOn = (date: string | undefined): string =>
    formatParisDateTime(date ?? window.today, '00:00:00');
  let balances: SandboxBalance[];
  if (source.kind === 'card') {
    const newestPending = transactions.find((transaction) => transaction.status === 'PDNG');
    balances = [
      {
        balanceType: 'XPCD',
        name: 'Encours carte',
        amountCents: pendingCents,
        referenceDate: window.today,
        lastChangeDateTime: changedOn((newestPending ?? newest)?.transactionDate),
      },
    ];
  } else {
    // By construction the account held its drawn level on the first of the first generated
    // month; what happened since and is not listed makes up the opening balance of the window.
    const closingBooked = drawLevel(source.plan, firstMonth) + outsideCents + bookedCents;
    const committed = newestBooked ? { lastCommittedTransaction: newestBooked.entryReference } : {};
    balances = [
      {
        balanceType: 'CLBD',
        name: `Solde comptable au ${formatFrenchDate(window.today)}`,
        amountCents: closingBooked,
        referenceDate: window.today,
        lastChangeDateTime: changedOn(newestBooked?.bookingDate),
        ...committed,
      },
      {
        balanceType: 'XPCD',
        name: 'Solde instantané',
        amountCents: closingBooked + pendingCents,
        referenceDate: window.today,
        lastChangeDateTime: changedOn(newest?.transactionDate),
        ...committed,
      },
    ];
  }
  return { ...account, balances, transactions };
}

/**
 * Generates the test users of a sandbox bank as they stand on today's date in Europe/Paris:
 * Marie Dupont (personal and joint accounts, deferred-debit card), Luc Martin (one account) and
 * Claire Petit (one account, SCA always fails), with about six months of transactions.
 *
 * The result depends only on the bank and on the Paris calendar date of `today`, never on the
 * time of day or the host, so every call on the same day returns deep-equal data.
 */
export function generateBankData(bank: BankIdentity, today: Date): SandboxUser[] {
  const todayDate = getParisDate(today);
  const window: HistoryWindow = {
    first: addDays(todayDate, 1 - HISTORY_DAYS),
    yesterday: addDays(todayDate, -1),
    today: todayDate,
  };
  // One month before the window, so that movements booked inside it but made earlier exist.
  const firstMonth = addMonths(window.first.slice(0, 7), -1);
  const months: string[] = [];
  for (let month = firstMonth; month <= todayDate.slice(0, 7); month = addMonths(month, 1)) {
    months.push(month);
  }
  // Identifiers must match the STET ResourceId pattern and fit in its 35 characters.
  const prefix = bank.id.replace(/[^a-zA-Z0-9-]/g, '-').slice(0, 19) || 'bank';
  const drafts = [
    planMarie(bank, prefix),
    ...SINGLE_ACCOUNT_CUSTOMERS.map((customer) =>
      planSingleAccountCustomer(bank, prefix, customer),
    ),
  ];
  const accounts = drafts.flatMap((draft) => draft.accounts);
  for (const account of accounts) {
    account.entries = months.flatMap((month) =>
      account.source.kind === 'card'
        ? listCardPurchases(account.source.ledger, month)
        : generateCurrentMonth(account.source.plan, month),
    );
  }
  assignEntryReferences(accounts);
  return drafts.map(({ user, accounts: userAccounts }) => ({
    ...user,
    accounts: userAccounts.map((account) => finishAccount(account, window, prefix, firstMonth)),
  }));
}
