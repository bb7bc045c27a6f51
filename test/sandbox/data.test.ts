import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  addDays,
  getDayOfWeek,
  getLastBusinessDayOfMonth,
  getParisDate,
  isBusinessDay,
  isFrenchPublicHoliday,
} from '../../demo/sandbox/data/calendar.js';
import {
  ENTRY_REFERENCE_LENGTH,
  generateBankData,
  HISTORY_DAYS,
} from '../../demo/sandbox/data/generate.js';
import { buildFrenchIban, computeRibKey, isValidIban } from '../../demo/sandbox/data/iban.js';
import type {
  BankIdentity,
  SandboxAccount,
  SandboxTransaction,
  SandboxUser,
} from '../../demo/sandbox/data/types.js';

const AZUR: BankIdentity = {
  id: 'azur',
  bankCode: '17199',
  branchCode: '00001',
  bic: 'AZURFRPPXXX',
  brand: 'Azur',
};
const RIVAGE: BankIdentity = {
  id: 'rivage',
  bankCode: '16598',
  branchCode: '00042',
  bic: 'RIVAFRP1XXX',
  brand: 'Rivage',
};

/** Instants chosen to land on ordinary days, weekends, holidays, month ends and DST changes. */
const INSTANTS = [
  '2026-11-27T09:00:00Z', // Friday, the salary day
  '2026-03-29T10:00:00Z', // Sunday of the spring DST change
  '2026-05-25T10:00:00Z', // Whit Monday
  '2026-08-01T10:00:00Z', // Saturday, first of the month
  '2026-10-30T10:00:00Z', // last business day of October, card statement day
  '2026-10-31T10:00:00Z', // Saturday after it
  '2027-01-01T10:00:00Z', // New Year's Day
];

const RESOURCE_ID_PATTERN = /^[a-zA-Z0-9 /\-?:().,']{1,35}$/;
const DAY_MS = 86_400_000;
const cache = new Map<string, SandboxUser[]>();

function generate(bank: BankIdentity, instant: string): SandboxUser[] {
  const key = `${bank.id} ${instant}`;
  let users = cache.get(key);
  if (!users) {
    users = generateBankData(bank, new Date(instant));
    cache.set(key, users);
  }
  return users;
}

/** The Paris calendar date of an instant, from the host's time-zone database. */
function parisDateOf(instant: string | Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(new Date(instant));
}

/** The Paris UTC offset at an instant, from the host's time-zone database, e.g. "+02:00". */
function parisOffsetAt(instant: Date): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: 'Europe/Paris',
    timeZoneName: 'longOffset',
  }).formatToParts(instant);
  return (parts.find((part) => part.type === 'timeZoneName')?.value ?? '').replace('GMT', '');
}

const signed = (t: SandboxTransaction): number =>
  t.creditDebitIndicator === 'CRDT' ? t.amountCents : -t.amountCents;
const total = (transactions: SandboxTransaction[]): number =>
  transactions.reduce((sum, t) => sum + signed(t), 0);
const allAccounts = (users: SandboxUser[]): SandboxAccount[] => users.flatMap((u) => u.accounts);
const currentAccounts = (users: SandboxUser[]): SandboxAccount[] =>
  allAccounts(users).filter((a) => a.cashAccountType === 'CACC');

function findUser(users: SandboxUser[], login: string): SandboxUser {
  const user = users.find((u) => u.login === login);
  assert.ok(user, `user ${login} exists`);
  return user;
}

function findAccount(users: SandboxUser[], login: string, index: number): SandboxAccount {
  const account = findUser(users, login).accounts[index];
  assert.ok(account, `${login} has an account #${index}`);
  return account;
}

function balanceOf(account: SandboxAccount, type: 'CLBD' | 'XPCD'): number {
  const balance = account.balances.find((b) => b.balanceType === type);
  assert.ok(balance, `${account.resourceId} has a ${type} balance`);
  return balance.amountCents;
}

/** Months wholly inside the history window, e.g. ["2026-06", …, "2026-10"] for late November. */
function listFullMonths(today: string): string[] {
  const months: string[] = [];
  for (let day = addDays(today, 1 - HISTORY_DAYS); day < today.slice(0, 7); day = addDays(day, 1)) {
    if (day.endsWith('-01')) months.push(day.slice(0, 7));
  }
  return months;
}

describe('French RIB key and IBAN', () => {
  it('computes the RIB key of a known account', () => {
    assert.equal(computeRibKey('20041', '01005', '0500013M026'), '06');
    assert.equal(computeRibKey('30006', '00001', '12345678901'), '89');
  });

  it('converts account-number letters with the CFONB table before keying', () => {
    // M is 4, and S (unlike the alphabet's 19th place) counts as 2 like B and K.
    assert.equal(
      computeRibKey('20041', '01005', '0500013M026'),
      computeRibKey('20041', '01005', '05000134026'),
    );
    const withLetters = computeRibKey('30006', '00001', 'ABS00000000');
    assert.equal(withLetters, computeRibKey('30006', '00001', '12200000000'));
    assert.equal(
      computeRibKey('30006', '00001', 'jkz00000000'),
      computeRibKey('30006', '00001', '12900000000'),
    );
  });

  it('builds the published French IBAN examples', () => {
    assert.equal(buildFrenchIban('20041', '01005', '0500013M026'), 'FR1420041010050500013M02606');
    assert.equal(buildFrenchIban('30006', '00001', '12345678901'), 'FR7630006000011234567890189');
  });

  it('accepts valid IBANs from any country, in electronic or paper format', () => {
    for (const iban of [
      'FR1420041010050500013M02606',
      'FR7630006000011234567890189',
      'FR76 3000 6000 0112 3456 7890 189',
      'GB82WEST12345698765432',
      'DE89370400440532013000',
      'BE68539007547034',
    ]) {
      assert.equal(isValidIban(iban), true, iban);
    }
  });

  it('rejects an IBAN with a wrong check digit, a typo or a transposition', () => {
    assert.equal(isValidIban('FR7730006000011234567890189'), false);
    assert.equal(isValidIban('FR7630006000011234567890188'), false);
    assert.equal(isValidIban('FR7630006000011234567809189'), false);
    assert.equal(isValidIban('GB82WEST12345698765423'), false);
  });

  it('rejects malformed IBANs and the 99 alias of check digits 02', () => {
    for (const iban of [
      '',
      'FR76',
      'FR76-3000-6000-0112',
      '7630006000011234567890189FR',
      'FR7630006000011234567890189ÉÉ',
    ]) {
      assert.equal(isValidIban(iban), false, iban);
    }
    // 99 ≡ 2 (mod 97), so it passes the bare modulus but ISO 13616 never issues it. Check digits
    // are computed here with BigInt, independently of the module; D and E read as 13 and 14.
    const bbans = Array.from(
      { length: 1000 },
      (_, n) => `3704004405320${String(n).padStart(5, '0')}`,
    );
    const bban = bbans.find((candidate) => BigInt(`${candidate}131400`) % 97n === 96n);
    assert.ok(bban, 'a German BBAN with check digits 02 exists');
    assert.equal(isValidIban(`DE02${bban}`), true);
    assert.equal(isValidIban(`DE99${bban}`), false);
  });

  it('refuses to key malformed bank codes or account numbers', () => {
    assert.throws(() => computeRibKey('3000', '00001', '12345678901'), RangeError);
    assert.throws(() => computeRibKey('30006', '0000A', '12345678901'), RangeError);
    assert.throws(() => computeRibKey('30006', '00001', '1234567890'), RangeError);
    assert.throws(() => buildFrenchIban('30006', '00001', '1234567890_'), RangeError);
  });
});

describe('Paris banking calendar', () => {
  it('knows the French public holidays, Easter-based ones included', () => {
    for (const day of [
      '2026-01-01',
      '2026-04-06',
      '2026-05-14',
      '2026-05-25',
      '2025-04-21',
      '2026-11-11',
    ]) {
      assert.equal(isFrenchPublicHoliday(day), true, day);
      assert.equal(isBusinessDay(day), false, day);
    }
    for (const day of ['2026-04-03', '2026-04-07', '2026-12-26', '2026-05-26']) {
      assert.equal(isFrenchPublicHoliday(day), false, day);
    }
  });

  it('finds the last business day of a month around weekends and holidays', () => {
    assert.equal(getLastBusinessDayOfMonth('2026-05'), '2026-05-29');
    assert.equal(getLastBusinessDayOfMonth('2026-10'), '2026-10-30');
    assert.equal(getLastBusinessDayOfMonth('2026-12'), '2026-12-31');
    assert.equal(getLastBusinessDayOfMonth('2026-02'), '2026-02-27');
  });

  it('gives the weekday of any date exactly as Date does, leap years included', () => {
    for (let day = '2023-12-01'; day < '2028-03-31'; day = addDays(day, 1)) {
      assert.equal(getDayOfWeek(day), new Date(`${day}T00:00:00Z`).getUTCDay(), day);
    }
  });

  it('reads today in Europe/Paris, across midnight and daylight-saving changes', () => {
    for (const instant of [
      '2026-11-27T22:59:59Z',
      '2026-11-27T23:00:00Z',
      '2026-06-30T21:59:59Z',
      '2026-06-30T22:00:00Z',
      '2026-03-29T00:59:00Z',
      '2026-03-29T01:00:00Z',
      '2026-10-24T22:30:00Z',
      '2026-10-25T00:30:00Z',
      '2026-12-31T23:30:00Z',
    ]) {
      assert.equal(getParisDate(new Date(instant)), parisDateOf(instant), instant);
    }
  });
});

describe('generateBankData', () => {
  it('lists the three test users with their credentials, SCA behaviour and accounts', () => {
    const users = generate(AZUR, INSTANTS[0]!);
    assert.deepEqual(
      users.map((u) => [u.login, u.password, u.namePrefix, u.firstName, u.lastName, u.sca]),
      [
        ['marie.dupont', 'azerty', 'MADM', 'Marie', 'Dupont', 'succeeds'],
        ['luc.martin', 'azerty', 'MIST', 'Luc', 'Martin', 'succeeds'],
        ['claire.petit', 'azerty', 'MADM', 'Claire', 'Petit', 'always-fails'],
      ],
    );
    const marie = findUser(users, 'marie.dupont');
    assert.deepEqual(
      marie.accounts.map((a) => [a.cashAccountType, a.name, a.psuStatus]),
      [
        ['CACC', 'Compte de Mme Marie Dupont', 'Account Holder'],
        ['CACC', 'Compte joint M. et Mme Dupont', 'Co-account Holder'],
        ['CARD', 'Carte Visa Premier différé', 'Account Holder'],
      ],
    );
    assert.ok(marie.beneficiaries.length >= 2 && marie.beneficiaries.length <= 3);
    assert.equal(findUser(users, 'luc.martin').accounts.length, 1);
    assert.equal(findUser(users, 'luc.martin').beneficiaries.length, 1);
    assert.equal(findUser(users, 'claire.petit').accounts.length, 1);
    for (const user of users) assert.match(user.phoneSuffix, /^\d{4}$/);
  });

  it("gives every current account a valid French IBAN on the bank's own codes", () => {
    for (const bank of [AZUR, RIVAGE]) {
      const users = generate(bank, INSTANTS[0]!);
      const ibans = currentAccounts(users).map((a) => a.iban ?? '');
      for (const iban of ibans) {
        assert.equal(isValidIban(iban), true, iban);
        assert.equal(iban.length, 27);
        assert.equal(iban.slice(0, 2), 'FR');
        assert.equal(iban.slice(4, 14), `${bank.bankCode}${bank.branchCode}`);
        assert.equal(
          iban.slice(25),
          computeRibKey(bank.bankCode, bank.branchCode, iban.slice(14, 25)),
        );
      }
      assert.equal(new Set(ibans).size, ibans.length);
      for (const beneficiary of users.flatMap((u) => u.beneficiaries)) {
        assert.equal(isValidIban(beneficiary.iban), true, beneficiary.iban);
      }
    }
  });

  it("links the deferred-debit card to Marie's personal account", () => {
    const users = generate(AZUR, INSTANTS[0]!);
    const personal = findAccount(users, 'marie.dupont', 0);
    const card = findAccount(users, 'marie.dupont', 2);
    assert.equal(card.linkedAccount, personal.resourceId);
    assert.match(card.maskedPan ?? '', /^X{12}\d{4}$/);
    assert.equal(card.iban, undefined);
    assert.match(card.details ?? '', /débit différé/);
  });

  it('returns deep-equal data for the same Paris day, whatever the time of day', () => {
    // 23:30 UTC on 26 November is 00:30 in Paris on the 27th.
    const early = generateBankData(AZUR, new Date('2026-11-26T23:30:00Z'));
    const late = generateBankData(AZUR, new Date('2026-11-27T22:59:00Z'));
    assert.deepEqual(early, late);
    assert.deepEqual(early, generate(AZUR, INSTANTS[0]!));
  });

  it('returns different data for another bank and for another day', () => {
    const azur = generate(AZUR, INSTANTS[0]!);
    const rivage = generate(RIVAGE, INSTANTS[0]!);
    assert.notDeepEqual(
      currentAccounts(azur).map((a) => a.transactions.map((t) => t.amountCents)),
      currentAccounts(rivage).map((a) => a.transactions.map((t) => t.amountCents)),
    );
    assert.notEqual(
      findAccount(azur, 'luc.martin', 0).iban,
      findAccount(rivage, 'luc.martin', 0).iban,
    );
    const nextDay = generateBankData(AZUR, new Date('2026-11-27T23:30:00Z'));
    assert.notDeepEqual(nextDay, azur);
  });

  it('covers about six months of history up to today', () => {
    for (const instant of INSTANTS) {
      const today = parisDateOf(instant);
      const first = addDays(today, 1 - HISTORY_DAYS);
      for (const account of allAccounts(generate(AZUR, instant))) {
        const dates = account.transactions.map((t) => t.transactionDate);
        const oldest = dates.at(-1) ?? '';
        const newest = dates[0] ?? '';
        assert.ok(newest >= addDays(today, -4) && newest <= today, `${account.name} ${instant}`);
        assert.ok(oldest <= addDays(first, 7), `${account.name} starts near ${first}`);
        if (account.cashAccountType === 'CACC') {
          assert.ok(oldest >= addDays(first, -4), `${account.name} starts near ${first}`);
        } else {
          // A card shows whole statements, so its oldest purchase may precede the window.
          assert.ok(oldest >= addDays(first, -40), `${account.name} starts near ${first}`);
        }
        for (const t of account.transactions) assert.ok(t.bookingDate >= first);
      }
    }
  });

  it('lists transactions newest first with strictly decreasing entry references', () => {
    for (const instant of INSTANTS) {
      for (const account of allAccounts(generate(AZUR, instant))) {
        account.transactions.forEach((t, index) => {
          assert.equal(t.entryReference.length, ENTRY_REFERENCE_LENGTH);
          assert.match(t.entryReference, /^\d+$/);
          assert.ok(t.entryReference.startsWith(t.transactionDate.replace(/-/g, '')));
          const older = account.transactions[index + 1];
          if (!older) return;
          assert.ok(t.entryReference > older.entryReference, t.entryReference);
          assert.ok(t.transactionDate >= older.transactionDate);
          assert.ok(t.bookingDate >= older.bookingDate, `${t.resourceId} ${older.resourceId}`);
        });
      }
    }
  });

  it('keeps identifiers unique across the bank and within the STET patterns', () => {
    for (const instant of INSTANTS) {
      const users = generate(AZUR, instant);
      const transactions = allAccounts(users).flatMap((a) => a.transactions);
      const ids = [
        ...allAccounts(users).map((a) => a.resourceId),
        ...users.flatMap((u) => u.beneficiaries.map((b) => b.id)),
        ...transactions.map((t) => t.resourceId),
      ];
      for (const id of ids) assert.match(id, RESOURCE_ID_PATTERN);
      assert.equal(new Set(ids).size, ids.length);
      const references = transactions.map((t) => t.entryReference);
      assert.equal(new Set(references).size, references.length);
      for (const reference of references) assert.ok(reference.length <= 40);
    }
    const long = generateBankData(
      { ...AZUR, id: 'a_bank_with_a_rather_long_identifier' },
      new Date(INSTANTS[0]!),
    );
    for (const account of allAccounts(long)) {
      assert.match(account.resourceId, RESOURCE_ID_PATTERN);
      for (const t of account.transactions) assert.match(t.resourceId, RESOURCE_ID_PATTERN);
    }
  });

  it('uses positive whole-cent amounts and uppercase statement lines', () => {
    for (const instant of INSTANTS) {
      for (const t of allAccounts(generate(AZUR, instant)).flatMap((a) => a.transactions)) {
        assert.ok(Number.isInteger(t.amountCents) && t.amountCents > 0, t.resourceId);
        assert.ok(t.remittanceInformation.length > 0);
        for (const line of t.remittanceInformation) assert.equal(line, line.toUpperCase());
      }
    }
  });

  it('marks current-account transactions pending only for the last two days', () => {
    for (const instant of INSTANTS) {
      const today = parisDateOf(instant);
      const yesterday = addDays(today, -1);
      for (const account of currentAccounts(generate(AZUR, instant))) {
        for (const t of account.transactions) {
          const pending = t.transactionDate >= yesterday || t.bookingDate > today;
          assert.equal(t.status, pending ? 'PDNG' : 'BOOK', `${t.resourceId} on ${today}`);
          if (t.status === 'BOOK') assert.ok(t.bookingDate <= today);
        }
        assert.ok(account.transactions.some((t) => t.status === 'BOOK'));
      }
    }
  });

  it('books weekend and holiday payments on the next business day', () => {
    let moved = 0;
    for (const instant of INSTANTS) {
      for (const account of currentAccounts(generate(AZUR, instant))) {
        for (const t of account.transactions) {
          assert.equal(t.valueDate, t.bookingDate);
          assert.equal(isBusinessDay(t.bookingDate), true, t.bookingDate);
          if (isBusinessDay(t.transactionDate)) {
            assert.equal(t.bookingDate, t.transactionDate);
            continue;
          }
          moved += 1;
          assert.ok(t.bookingDate > t.transactionDate);
          for (let day = t.transactionDate; day < t.bookingDate; day = addDays(day, 1)) {
            assert.equal(isBusinessDay(day), false, `${t.resourceId} skips ${day}`);
          }
        }
      }
    }
    assert.ok(moved > 100, 'weekend purchases exist to check');
  });

  it('keeps each current balance equal to the booked or instant sum of transactions', () => {
    for (const instant of INSTANTS) {
      const today = parisDateOf(instant);
      for (const account of currentAccounts(generate(AZUR, instant))) {
        const booked = account.transactions.filter((t) => t.status === 'BOOK');
        const pending = account.transactions.filter((t) => t.status === 'PDNG');
        const clbd = balanceOf(account, 'CLBD');
        assert.equal(balanceOf(account, 'XPCD'), clbd + total(pending));
        for (const balance of account.balances) {
          assert.equal(balance.referenceDate, today);
          assert.equal(balance.lastCommittedTransaction, booked[0]?.entryReference);
          assert.ok(Number.isInteger(balance.amountCents));
        }
        const [day, month, year] = [today.slice(8), today.slice(5, 7), today.slice(0, 4)];
        assert.deepEqual(
          account.balances.map((b) => [b.balanceType, b.name]),
          [
            ['CLBD', `Solde comptable au ${day}/${month}/${year}`],
            ['XPCD', 'Solde instantané'],
          ],
        );
        // The opening balance is what the booked movements leave unexplained; see the next test.
        assert.ok(clbd - total(booked) > 0, 'the account opened the window in credit');
      }
    }
  });

  it('carries balances over from one day to the next', () => {
    // Opening balance + booked movements must explain each day's balance: the difference between
    // two days is exactly the movements made in between, whatever leaves the window meanwhile.
    const pairs = [
      ['2026-11-10T09:00:00Z', '2026-11-27T09:00:00Z'],
      ['2026-10-20T09:00:00Z', '2026-11-03T09:00:00Z'],
      ['2026-03-27T09:00:00Z', '2026-03-30T09:00:00Z'],
      ['2026-05-22T09:00:00Z', '2026-05-26T09:00:00Z'],
    ] as const;
    for (const [before, after] of pairs) {
      const [from, to] = [parisDateOf(before), parisDateOf(after)];
      const earlier = currentAccounts(generateBankData(AZUR, new Date(before)));
      const later = currentAccounts(generateBankData(AZUR, new Date(after)));
      later.forEach((account, index) => {
        const previous = earlier[index];
        assert.ok(previous);
        const between = account.transactions.filter(
          (t) => t.transactionDate > from && t.transactionDate <= to,
        );
        assert.equal(
          balanceOf(account, 'XPCD') - balanceOf(previous, 'XPCD'),
          total(between),
          `${account.name} from ${from} to ${to}`,
        );
        const leftWindow = previous.transactions.filter(
          (t) => !account.transactions.some((u) => u.resourceId === t.resourceId),
        );
        const openingBefore =
          balanceOf(previous, 'CLBD') -
          total(previous.transactions.filter((t) => t.status === 'BOOK'));
        const openingAfter =
          balanceOf(account, 'CLBD') -
          total(account.transactions.filter((t) => t.status === 'BOOK'));
        assert.equal(openingAfter - openingBefore, total(leftWindow), `${account.name} opening`);
      });
    }
  });

  it("keeps a transaction's identifiers, dates and amount from one day to the next", () => {
    const before = allAccounts(generateBankData(AZUR, new Date('2026-11-20T09:00:00Z')));
    const after = new Map(
      allAccounts(generate(AZUR, INSTANTS[0]!))
        .flatMap((a) => a.transactions)
        .map((t) => [t.resourceId, t]),
    );
    let shared = 0;
    for (const t of before.flatMap((a) => a.transactions)) {
      const later = after.get(t.resourceId);
      if (!later) continue;
      shared += 1;
      assert.deepEqual({ ...later, status: t.status }, t);
      if (t.status === 'BOOK') assert.equal(later.status, 'BOOK');
    }
    assert.ok(shared > 500);
  });

  it('debits each closed card statement in one line on the personal account', () => {
    for (const instant of INSTANTS) {
      const users = generate(AZUR, instant);
      const today = parisDateOf(instant);
      const personal = findAccount(users, 'marie.dupont', 0);
      const card = findAccount(users, 'marie.dupont', 2);
      const last4 = (card.maskedPan ?? '').slice(-4);
      const settlements = personal.transactions.filter((t) =>
        t.remittanceInformation[0]?.startsWith('PRLV CARTE DIFFERE'),
      );
      assert.ok(settlements.length >= 5, `${settlements.length} statements on ${today}`);
      for (const settlement of settlements) {
        const [month, year] = [
          settlement.bookingDate.slice(5, 7),
          settlement.bookingDate.slice(0, 4),
        ];
        assert.deepEqual(settlement.remittanceInformation, [
          `PRLV CARTE DIFFERE ${month}/${year} XXXX${last4}`,
        ]);
        assert.equal(
          settlement.bookingDate,
          getLastBusinessDayOfMonth(settlement.bookingDate.slice(0, 7)),
        );
        assert.equal(settlement.creditDebitIndicator, 'DBIT');
        const purchases = card.transactions.filter((t) => t.bookingDate === settlement.bookingDate);
        assert.ok(purchases.length > 0);
        assert.equal(-total(purchases), settlement.amountCents, settlement.bookingDate);
        for (const purchase of purchases) assert.equal(purchase.status, settlement.status);
      }
      for (const purchase of card.transactions.filter((t) => t.bookingDate <= today)) {
        assert.ok(
          settlements.some((s) => s.bookingDate === purchase.bookingDate),
          purchase.resourceId,
        );
      }
    }
  });

  it("leaves the current month's card purchases pending until the statement date", () => {
    for (const instant of INSTANTS) {
      const today = parisDateOf(instant);
      const card = findAccount(generate(AZUR, instant), 'marie.dupont', 2);
      const pending = card.transactions.filter((t) => t.status === 'PDNG');
      assert.ok(pending.length > 0 || today.slice(8) <= '03', `pending purchases on ${today}`);
      for (const t of card.transactions) {
        assert.equal(t.creditDebitIndicator, 'DBIT');
        assert.equal(t.bookingDate, getLastBusinessDayOfMonth(t.bookingDate.slice(0, 7)));
        assert.ok(t.transactionDate <= t.bookingDate);
        assert.equal(t.status, t.bookingDate >= addDays(today, -1) ? 'PDNG' : 'BOOK', t.resourceId);
      }
      for (const t of pending) assert.ok(t.bookingDate >= addDays(today, -1));
      assert.deepEqual(
        card.balances.map((b) => [b.balanceType, b.name, b.amountCents, b.referenceDate]),
        [['XPCD', 'Encours carte', total(pending), today]],
      );
    }
  });

  it('pays one salary a month around the 27th and 28th', () => {
    const names =
      'JANVIER FEVRIER MARS AVRIL MAI JUIN JUILLET AOUT SEPTEMBRE OCTOBRE NOVEMBRE DECEMBRE';
    const instant = INSTANTS[0]!;
    const users = generate(AZUR, instant);
    const salaried = ['marie.dupont', 'luc.martin', 'claire.petit'].map((login) =>
      findAccount(users, login, 0),
    );
    for (const account of salaried) {
      for (const month of listFullMonths(parisDateOf(instant))) {
        const salaries = account.transactions.filter(
          (t) =>
            t.transactionDate.startsWith(month) &&
            t.remittanceInformation[0]?.startsWith('VIR SEPA SALAIRE'),
        );
        assert.equal(salaries.length, 1, `${account.name} ${month}`);
        const salary = salaries[0]!;
        assert.match(
          salary.remittanceInformation[0] ?? '',
          new RegExp(`^VIR SEPA SALAIRE ${names.split(' ')[Number(month.slice(5)) - 1]} [A-Z ]+$`),
        );
        assert.equal(salary.creditDebitIndicator, 'CRDT');
        const day = Number(salary.transactionDate.slice(8));
        assert.ok(day >= 24 && day <= 28, salary.transactionDate);
        assert.ok(salary.amountCents >= 240_000 && salary.amountCents <= 380_000);
      }
    }
  });

  it('produces realistic monthly volumes and amounts', () => {
    for (const bank of [AZUR, RIVAGE]) {
      const users = generate(bank, INSTANTS[0]!);
      const months = listFullMonths(parisDateOf(INSTANTS[0]!));
      const perMonth = (account: SandboxAccount): number =>
        account.transactions.filter((t) => months.some((m) => t.transactionDate.startsWith(m)))
          .length / months.length;
      const personal = perMonth(findAccount(users, 'marie.dupont', 0));
      assert.ok(personal >= 40 && personal <= 70, `personal ${personal}`);
      assert.ok(perMonth(findAccount(users, 'marie.dupont', 1)) < personal);
      const card = perMonth(findAccount(users, 'marie.dupont', 2));
      assert.ok(card >= 10 && card <= 25, `card ${card}`);
      const luc = perMonth(findAccount(users, 'luc.martin', 0));
      assert.ok(luc >= 22 && luc <= 40, `luc ${luc}`);
      const transactions = allAccounts(users).flatMap((a) => a.transactions);
      const groceries = transactions.filter((t) =>
        /^CB (CARREFOUR MARKET|MONOPRIX|LIDL|FRANPRIX|INTERMARCHE|BIOCOOP) /.test(
          t.remittanceInformation[0] ?? '',
        ),
      );
      assert.ok(groceries.length > 100);
      for (const t of groceries) {
        assert.ok(t.amountCents >= 800 && t.amountCents <= 12_000, t.resourceId);
      }
      const housing = transactions.filter((t) =>
        /^PRLV SEPA (LOYER|ECHEANCE PRET)/.test(t.remittanceInformation[0] ?? ''),
      );
      assert.ok(housing.length >= 15);
      for (const t of housing) {
        assert.ok(t.amountCents >= 85_000 && t.amountCents <= 140_000, t.resourceId);
      }
      for (const pattern of [
        /^RETRAIT DAB \d\d\/\d\d PARIS/,
        /^PRLV SEPA (EDF|ENGIE)/,
        /^VIR PERMANENT/,
        /^VIR SEPA CPAM/,
      ]) {
        assert.ok(
          transactions.some((t) => pattern.test(t.remittanceInformation[0] ?? '')),
          String(pattern),
        );
      }
    }
  });

  it("keeps the personal account's daily balance positive while letting it drift", () => {
    for (const bank of [AZUR, RIVAGE]) {
      for (const instant of INSTANTS) {
        const account = findAccount(generate(bank, instant), 'marie.dupont', 0);
        // Walk back from the instant balance, undoing each day's movements.
        let balance = balanceOf(account, 'XPCD');
        const endOfDay: number[] = [];
        for (const [index, t] of account.transactions.entries()) {
          const newestOfItsDay =
            account.transactions[index - 1]?.transactionDate !== t.transactionDate;
          if (newestOfItsDay) endOfDay.push(balance);
          balance -= signed(t);
        }
        const positive = endOfDay.filter((amount) => amount > 0).length;
        assert.ok(positive / endOfDay.length >= 0.95, `${bank.id} ${instant}`);
        assert.ok(Math.max(...endOfDay) - Math.min(...endOfDay) > 100_000, 'the balance moves');
      }
    }
  });

  it('stamps balances with the Paris offset of their date', () => {
    for (const instant of INSTANTS) {
      for (const account of allAccounts(generate(AZUR, instant))) {
        for (const balance of account.balances) {
          const stamp = balance.lastChangeDateTime;
          assert.match(stamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
          const moment = new Date(stamp);
          assert.equal(stamp.slice(-6), parisOffsetAt(moment), stamp);
          assert.equal(parisDateOf(moment), stamp.slice(0, 10));
          assert.ok(stamp.slice(0, 10) <= parisDateOf(instant));
        }
      }
    }
    const summer = findAccount(generate(AZUR, '2026-08-01T10:00:00Z'), 'luc.martin', 0);
    assert.ok(summer.balances.every((b) => b.lastChangeDateTime.endsWith('+02:00')));
  });

  it('generates a whole bank in well under 50 ms', () => {
    generateBankData(RIVAGE, new Date('2026-01-15T12:00:00Z'));
    const runs = 5;
    const start = performance.now();
    for (let run = 0; run < runs; run++) {
      generateBankData(
        { ...RIVAGE, id: `timing-${run}` },
        new Date(Date.UTC(2026, 0, 15) + run * DAY_MS),
      );
    }
    const average = (performance.now() - start) / runs;
    assert.ok(average < 50, `${average.toFixed(1)} ms per bank`);
  });
});
