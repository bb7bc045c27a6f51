import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  categorise,
  formatLabel,
  isInternalTransfer,
  summariseSpending,
} from '../../demo/site/src/categorise.js';

describe('categorise', () => {
  it('sorts statement lines by their merchant keywords', () => {
    assert.equal(categorise('CB CARREFOUR MARKET 12/03'), 'courses');
    assert.equal(categorise('PRLV SEPA LOYER GESTIMMO PARIS'), 'logement');
    assert.equal(categorise('PRLV SEPA COMUTITRES NAVIGO'), 'transport');
    assert.equal(categorise('CB NETFLIX.COM 12/03'), 'abonnements');
    assert.equal(categorise('CB UGC CINE CITE 02/04'), 'loisirs');
    assert.equal(categorise('CB Pharmacie de la Gare 02/04'), 'sante');
    assert.equal(categorise('RETRAIT DAB 02/04 PARIS 11'), 'retraits');
    assert.equal(categorise('VIR SEPA VERS M THOMAS DUPONT'), 'autres');
  });

  it('matches whole words only', () => {
    assert.equal(categorise('CB FREEDOM SURF 02/04'), 'autres');
    assert.equal(categorise('CB BOULANGERIE DU MARCHE 02/04'), 'courses');
  });

  it('ignores case and accents', () => {
    assert.equal(categorise('cb épicerie fine'), 'courses');
  });
});

describe('summariseSpending', () => {
  it('adds up debits by category, biggest first, leaving out credits and own-account transfers', () => {
    const totals = summariseSpending([
      { description: 'CB MONOPRIX 01/03', cents: -2_000 },
      { description: 'CB LIDL 02/03', cents: -3_000 },
      { description: 'PRLV SEPA LOYER SCI LES TILLEULS', cents: -90_000 },
      { description: 'VIR SEPA SALAIRE MARS ACME CONSEIL', cents: 250_000 },
      { description: 'PRLV CARTE DIFFERE 03/2026 XXXX1234', cents: -40_000 },
      { description: 'VIR EPARGNE AUTO VERS LIVRET A', cents: -10_000 },
    ]);
    assert.deepEqual(totals, [
      { category: 'logement', cents: 90_000 },
      { category: 'courses', cents: 5_000 },
    ]);
  });

  it('recognises the deferred card settlement as an own-account transfer', () => {
    assert.equal(isInternalTransfer('PRLV CARTE DIFFERE 03/2026 XXXX1234'), true);
    assert.equal(isInternalTransfer('CB CARREFOUR 01/03'), false);
  });
});

describe('formatLabel', () => {
  it('drops the payment prefix and the card date, and title-cases the rest', () => {
    assert.equal(formatLabel('CB CARREFOUR MARKET 12/03'), 'Carrefour Market');
    assert.equal(formatLabel('PRLV SEPA EDF CLIENTS PARTICULIERS'), 'EDF Clients Particuliers');
    assert.equal(formatLabel('RETRAIT DAB 02/04 PARIS 11'), 'Retrait DAB Paris 11');
  });
});
