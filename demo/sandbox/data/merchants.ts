/**
 * The shops, payers and payees of the sandbox customers, as French bank statements print them:
 * uppercase, without accents. Employers and landlords are fictional; retailers and utilities are
 * the household names a French statement is full of, so that the demo reads like a real one.
 */

/** A place where the customers pay by card, with the range of a typical purchase there. */
export interface Merchant {
  /** Name as printed after "CB" on the statement line. */
  name: string;
  minCents: number;
  maxCents: number;
  /** How often it turns up relative to the others of its pool. */
  weight: number;
}

/** A fixed monthly payment: direct debit, subscription or standing order. */
export interface Subscription {
  label: string;
  cents: number;
}

const GROCERIES: readonly Merchant[] = [
  { name: 'CARREFOUR MARKET', minCents: 800, maxCents: 9_500, weight: 6 },
  { name: 'MONOPRIX', minCents: 800, maxCents: 8_000, weight: 5 },
  { name: 'LIDL', minCents: 1_000, maxCents: 9_000, weight: 4 },
  { name: 'FRANPRIX', minCents: 800, maxCents: 4_500, weight: 5 },
  { name: 'INTERMARCHE', minCents: 1_500, maxCents: 12_000, weight: 2 },
  { name: 'BIOCOOP', minCents: 800, maxCents: 6_000, weight: 2 },
];

const BAKERIES: readonly Merchant[] = [
  { name: 'BOULANGERIE DU MARCHE', minCents: 120, maxCents: 1_400, weight: 5 },
  { name: 'AU PAIN DE LA BASTILLE', minCents: 110, maxCents: 1_200, weight: 3 },
];

const RESTAURANTS: readonly Merchant[] = [
  { name: 'BRASSERIE LE CENTRAL', minCents: 1_400, maxCents: 6_500, weight: 3 },
  { name: 'SUSHI SHOP', minCents: 1_500, maxCents: 4_500, weight: 2 },
  { name: 'LE PETIT ZINC', minCents: 450, maxCents: 3_800, weight: 3 },
  { name: 'PIZZERIA DA LUIGI', minCents: 1_300, maxCents: 5_500, weight: 2 },
  { name: 'CAFE DES ARTS', minCents: 250, maxCents: 1_800, weight: 3 },
];

const HEALTH: readonly Merchant[] = [
  { name: 'PHARMACIE DE LA GARE', minCents: 390, maxCents: 4_500, weight: 3 },
  { name: 'PHARMACIE DU MARCHE', minCents: 450, maxCents: 3_500, weight: 2 },
];

const LEISURE: readonly Merchant[] = [
  { name: 'UGC CINE CITE', minCents: 750, maxCents: 2_600, weight: 2 },
  { name: 'PATHE', minCents: 850, maxCents: 2_900, weight: 2 },
  { name: 'FNAC', minCents: 1_000, maxCents: 12_000, weight: 2 },
  { name: 'DECATHLON', minCents: 1_000, maxCents: 15_000, weight: 2 },
];

const HOME_AND_TRAVEL: readonly Merchant[] = [
  { name: 'SNCF CONNECT', minCents: 2_500, maxCents: 14_000, weight: 3 },
  { name: 'LEROY MERLIN', minCents: 1_200, maxCents: 18_000, weight: 2 },
  { name: 'IKEA', minCents: 2_000, maxCents: 22_000, weight: 1 },
  { name: 'AMAZON PAYMENTS', minCents: 800, maxCents: 9_000, weight: 3 },
  { name: 'ZARA', minCents: 2_000, maxCents: 11_000, weight: 2 },
];

/** Daily small spending on an immediate-debit card. */
export const EVERYDAY_MERCHANTS: readonly Merchant[] = [
  ...GROCERIES,
  ...GROCERIES,
  ...BAKERIES,
  ...BAKERIES,
  ...RESTAURANTS,
  ...HEALTH,
  ...LEISURE,
];

/** A household's shared spending on the joint account: food first, then home and children. */
export const HOUSEHOLD_MERCHANTS: readonly Merchant[] = [
  ...GROCERIES,
  ...GROCERIES,
  ...GROCERIES,
  ...BAKERIES,
  ...HEALTH,
  { name: 'LEROY MERLIN', minCents: 1_200, maxCents: 18_000, weight: 1 },
  { name: 'DECATHLON', minCents: 1_000, maxCents: 15_000, weight: 1 },
];

/** Larger, less frequent purchases that people put on a deferred-debit card. */
export const DEFERRED_CARD_MERCHANTS: readonly Merchant[] = [
  ...RESTAURANTS,
  ...LEISURE,
  ...HOME_AND_TRAVEL,
];

/** Fictional employers, printed at the end of the salary transfer line. */
export const EMPLOYERS: readonly string[] = [
  'ACME CONSEIL',
  'NOVALYS SERVICES',
  'ATELIERS DU PONT NEUF',
  'CABINET MERIDIEN',
  'HORIZON LOGISTIQUE',
];

export const MOBILE_PLANS: readonly Subscription[] = [
  { label: 'PRLV SEPA FREE MOBILE', cents: 1_999 },
  { label: 'PRLV SEPA ORANGE SA', cents: 2_699 },
  { label: 'PRLV SEPA SFR', cents: 1_599 },
  { label: 'PRLV SEPA BOUYGUES TELECOM', cents: 1_399 },
];

export const INTERNET_BOXES: readonly Subscription[] = [
  { label: 'PRLV SEPA FREE TELECOM', cents: 3_999 },
  { label: 'PRLV SEPA ORANGE SA LIVEBOX', cents: 4_299 },
  { label: 'PRLV SEPA SFR BOX', cents: 3_499 },
  { label: 'PRLV SEPA BOUYGUES TELECOM BBOX', cents: 2_999 },
];

export const ENERGY_SUPPLIERS: readonly string[] = [
  'PRLV SEPA EDF CLIENTS PARTICULIERS',
  'PRLV SEPA ENGIE',
];

export const INSURERS: readonly string[] = ['PRLV SEPA MAIF', 'PRLV SEPA MACIF'];

/** Streaming services, paid by card on the same day every month. */
export const STREAMING: readonly Subscription[] = [
  { label: 'NETFLIX.COM', cents: 1_349 },
  { label: 'SPOTIFY', cents: 1_112 },
  { label: 'DEEZER', cents: 1_199 },
];

/** The monthly Navigo pass, collected by Comutitres. */
export const NAVIGO: Subscription = { label: 'PRLV SEPA COMUTITRES NAVIGO', cents: 8_880 };

/** Cash machine amounts, in the notes French ATMs hand out. */
export const CASH_AMOUNTS_CENTS: readonly number[] = [2_000, 4_000, 5_000, 6_000, 8_000, 10_000];
