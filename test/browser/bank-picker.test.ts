import { expect, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import {
  FIRST_SCREENFUL,
  MAX_RENDERED_OPTIONS,
  normaliseForSearch,
} from '../../widget/bank-picker.js';
import { $, mount, optionNames, stubBff, typeSearch, unmountAll } from './support/helpers.js';

async function mountPicker(scenario = 'ok') {
  const mounted = await mount({ bff: stubBff(scenario), lang: 'en' });
  await mounted.events.step('open');
  await mounted.el.updateComplete;
  return mounted;
}

describe('bank picker', () => {
  afterEach(() => {
    unmountAll();
    localStorage.removeItem('bank-connect:last-aspsp');
  });

  it('normalises names without case, accents or punctuation', async () => {
    await expect(normaliseForSearch('Société Générale')).to.equal('societe generale');
    await expect(normaliseForSearch("Caisse d'Épargne")).to.equal('caisse d epargne');
  });

  it('finds "Société Générale" when the customer types "societe"', async () => {
    const { el } = await mountPicker();
    await typeSearch(el, 'societe');
    await expect(optionNames(el)).to.deep.equal(['Société Générale']);
    await typeSearch(el, 'CRÉDIT');
    await expect(optionNames(el)).to.deep.equal(['Crédit Agricole', 'Crédit Mutuel']);
  });

  it('says so when nothing matches, and collapses the list', async () => {
    const { el } = await mountPicker();
    await typeSearch(el, 'zzz');
    await expect(optionNames(el)).to.deep.equal([]);
    await expect($(el, '#bank-search').getAttribute('aria-expanded')).to.equal('false');
    expect($(el, '#bank-search-hint').textContent).to.contain('zzz');
  });

  it('wires the combobox to its listbox and active option', async () => {
    const { el } = await mountPicker();
    const input = $(el, '#bank-search');
    await expect(input.getAttribute('role')).to.equal('combobox');
    await expect(input.getAttribute('aria-controls')).to.equal('bank-listbox');
    await expect($(el, '#bank-listbox').getAttribute('role')).to.equal('listbox');
    await expect(input.getAttribute('aria-activedescendant')).to.equal('bank-option-0');
    await expect($(el, '#bank-option-0').getAttribute('aria-selected')).to.equal('true');
    await expect($(el, '#bank-option-0 img').getAttribute('alt')).to.equal('');
  });

  it('moves through options with Up, Down, Home and End and selects with Enter', async () => {
    const { el, events } = await mountPicker();
    $(el, '#bank-search').focus();
    const active = () => $(el, '#bank-search').getAttribute('aria-activedescendant');
    await sendKeys({ press: 'ArrowDown' });
    await el.updateComplete;
    await expect(active()).to.equal('bank-option-1');
    await sendKeys({ press: 'End' });
    await el.updateComplete;
    await expect(active()).to.equal(`bank-option-${optionNames(el).length - 1}`);
    await sendKeys({ press: 'Home' });
    await el.updateComplete;
    await expect(active()).to.equal('bank-option-0');
    await sendKeys({ press: 'ArrowUp' });
    await el.updateComplete;
    await expect(active()).to.equal('bank-option-0');
    await sendKeys({ press: 'ArrowDown' });
    await el.updateComplete;
    const chosen = optionNames(el)[1];
    await sendKeys({ press: 'Enter' });
    const selected = await events.step('select_bank');
    await el.updateComplete;
    expect(selected).to.have.property('aspsp');
    await expect(el.currentView).to.equal('confirm');
    expect($(el, '[part="consent"]').textContent).to.contain(chosen);
  });

  it('clears the search with Escape, then collapses the list with a second Escape', async () => {
    const { el } = await mountPicker();
    $(el, '#bank-search').focus();
    await sendKeys({ type: 'lcl' });
    await el.updateComplete;
    await expect(optionNames(el)).to.deep.equal(['LCL']);
    await sendKeys({ press: 'Escape' });
    await el.updateComplete;
    await expect(($(el, '#bank-search') as HTMLInputElement).value).to.equal('');
    await expect(optionNames(el).length).to.equal(8);
    await sendKeys({ press: 'Escape' });
    await el.updateComplete;
    await expect($(el, '#bank-search').getAttribute('aria-expanded')).to.equal('false');
    await sendKeys({ press: 'ArrowDown' });
    await el.updateComplete;
    await expect($(el, '#bank-search').getAttribute('aria-expanded')).to.equal('true');
  });

  it('reports the first search once for analytics', async () => {
    const { el, events } = await mountPicker();
    await typeSearch(el, 'b');
    await typeSearch(el, 'bn');
    expect(
      events.of('bank-connect-step').filter((detail) => detail.step === 'search'),
    ).to.have.length(1);
  });

  it('shows the last used bank first, marked as such', async () => {
    localStorage.setItem('bank-connect:last-aspsp', 'lcl');
    const { el } = await mountPicker();
    await expect(optionNames(el)[0]).to.equal('LCL');
    expect($(el, '#bank-option-0 [part="tag"]').textContent).to.contain('Last used');
  });

  it('renders a first screenful, then at most 50 of a 400-bank directory, and filters it per keystroke', async () => {
    const { el, events } = await mount({ bff: stubBff('big'), lang: 'en' });
    // Every count the list has had, from the first update (which waits for the directory).
    const counts: number[] = [optionNames(el).length];
    const observer = new MutationObserver(() => {
      const count = optionNames(el).length;
      if (count !== counts.at(-1)) counts.push(count);
    });
    observer.observe(el.shadowRoot as ShadowRoot, { childList: true, subtree: true });
    await events.step('open');
    await waitUntil(() => optionNames(el).length === MAX_RENDERED_OPTIONS, 'never 50 options');
    observer.disconnect();
    await expect(counts).to.deep.equal([FIRST_SCREENFUL, MAX_RENDERED_OPTIONS]);
    expect($(el, '#bank-search-hint').textContent).to.contain('400');
    // How fast is measured by `npm run bench` (time per keystroke), not asserted here.
    await typeSearch(el, 'regionale 391');
    await expect(optionNames(el)).to.deep.equal(['Banque Régionale 391']);
  });

  describe('accessibility', () => {
    it('passes axe in the bank list view', async () => {
      const { el } = await mountPicker();
      await expect(el).to.be.accessible();
    });
  });
});
