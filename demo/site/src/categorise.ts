/**
 * Sorts spending into budget categories from the words of a statement line. French statements
 * print merchants in capitals without accents (`CB CARREFOUR MARKET 12/03`), so a handful of
 * keywords per category is enough for a demo; anything unknown is "autres".
 */

/** The budget categories, in the order the breakdown lists them when amounts tie. */
export const CATEGORIES = [
  'courses',
  'logement',
  'transport',
  'abonnements',
  'loisirs',
  'sante',
  'retraits',
  'autres',
] as const;

/** A budget category. */
export type Category = (typeof CATEGORIES)[number];

/**
 * Movements between the customer's own accounts: the deferred card's monthly settlement (its
 * purchases are already counted on the card) and transfers to savings or the joint account.
 */
const INTERNAL = ['CARTE DIFFERE', 'EPARGNE', 'LIVRET', 'VIR PERMANENT'];

const KEYWORDS: Record<Exclude<Category, 'autres'>, readonly string[]> = {
  retraits: ['RETRAIT', 'DAB', 'GAB'],
  courses: [
    'CARREFOUR',
    'MONOPRIX',
    'LIDL',
    'FRANPRIX',
    'INTERMARCHE',
    'BIOCOOP',
    'AUCHAN',
    'LECLERC',
    'PICARD',
    'BOULANGERIE',
    'PAIN',
    'SUPERMARCHE',
    'EPICERIE',
  ],
  logement: [
    'LOYER',
    'PRET IMMO',
    'EDF',
    'ENGIE',
    'EAU',
    'MAIF',
    'MACIF',
    'ASSURANCE HABITATION',
    'LEROY MERLIN',
    'IKEA',
    'CASTORAMA',
  ],
  transport: ['NAVIGO', 'COMUTITRES', 'SNCF', 'RATP', 'UBER', 'BLABLACAR', 'TOTALENERGIES', 'ESSO'],
  abonnements: [
    'FREE',
    'ORANGE',
    'SFR',
    'BOUYGUES',
    'NETFLIX',
    'SPOTIFY',
    'DEEZER',
    'CANAL',
    'DISNEY',
  ],
  loisirs: [
    'UGC',
    'PATHE',
    'FNAC',
    'DECATHLON',
    'BRASSERIE',
    'RESTAURANT',
    'SUSHI',
    'PIZZERIA',
    'ZINC',
    'CAFE',
    'BAR',
    'ZARA',
    'AMAZON',
  ],
  sante: ['PHARMACIE', 'MEDECIN', 'DOCTEUR', 'DENTISTE', 'MUTUELLE', 'CPAM', 'HOPITAL'],
};

/** Upper-cases and strips accents, so `Pharmacie Gare` and `PHARMACIE GARE` read alike. */
function normalise(description: string): string {
  return ` ${description
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, ' ')
    .trim()} `;
}

/** Whether a statement line moves money between the customer's own accounts. */
export function isInternalTransfer(description: string): boolean {
  const text = normalise(description);
  return INTERNAL.some((phrase) => text.includes(` ${phrase} `));
}

/** Picks the budget category of a statement line by its keywords (whole words only). */
export function categorise(description: string): Category {
  const text = normalise(description);
  for (const category of CATEGORIES) {
    if (category === 'autres') break;
    if (KEYWORDS[category].some((word) => text.includes(` ${word} `))) return category;
  }
  return 'autres';
}

/** A category's share of the spending in a breakdown. */
export interface CategoryTotal {
  category: Category;
  /** Positive cents spent. */
  cents: number;
}

/**
 * Adds up debits by category, biggest first. Credits and transfers between the customer's own
 * accounts are left out, so that a deferred card's purchases are not counted twice.
 */
export function summariseSpending(
  movements: Iterable<{ description: string; cents: number }>,
): CategoryTotal[] {
  const totals = new Map<Category, number>();
  for (const { description, cents } of movements) {
    if (cents >= 0 || isInternalTransfer(description)) continue;
    const category = categorise(description);
    totals.set(category, (totals.get(category) ?? 0) - cents);
  }
  return CATEGORIES.filter((category) => totals.has(category))
    .map((category) => ({ category, cents: totals.get(category) ?? 0 }))
    .sort((a, b) => b.cents - a.cents);
}

/** Words that French statements print as initials and that read best in capitals. */
const ACRONYMS = new Set([
  'CAF',
  'CPAM',
  'DAB',
  'EDF',
  'MAIF',
  'MACIF',
  'RATP',
  'SA',
  'SCI',
  'SFR',
  'SNCF',
  'UGC',
]);

/**
 * Turns a statement line into a label a person would write: the payment-type prefix and the
 * card date go, capitals become title case. `CB CARREFOUR MARKET 12/03` → `Carrefour Market`.
 */
export function formatLabel(description: string): string {
  const core = description
    .replace(/^(CB|PRLV SEPA|PRLV|VIR SEPA|VIR)\s+/i, '')
    .replace(/\s+\d{2}\/\d{2}(?:\/\d{2,4})?(?=\s|$)/g, '')
    .trim();
  return core
    .split(/\s+/)
    .map((word) =>
      ACRONYMS.has(word.toUpperCase()) || /\d/.test(word)
        ? word.toUpperCase()
        : word.charAt(0).toUpperCase() + word.slice(1).toLowerCase(),
    )
    .join(' ');
}
