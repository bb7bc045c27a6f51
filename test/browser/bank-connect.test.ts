import { expect, waitUntil } from '@open-wc/testing';
import {
  $,
  button,
  chooseBank,
  mount,
  type EventRecorder,
  spyOnWindowOpen,
  stubBff,
  unmountAll,
} from './support/helpers.js';

describe('<bank-connect>', () => {
  let restoreOpen: (() => void) | undefined;

  afterEach(() => {
    unmountAll();
    restoreOpen?.();
    restoreOpen = undefined;
    localStorage.clear();
  });

  describe('loading', () => {
    it('shows the list without a flash of the loading view when the directory comes quickly', async () => {
      const { el, events } = await mount({ bff: stubBff(), lang: 'en' });
      // The first update waits for the directory: what it renders is already the list.
      expect(el.shadowRoot?.textContent ?? '').not.to.contain('Loading');
      await events.step('open');
      await el.updateComplete;
      await expect(el.currentView).to.equal('choose');
      expect(el.shadowRoot?.querySelectorAll('[role="option"]').length).to.be.greaterThan(0);
    });

    it('shows the loading view when the directory is slow, after the delay, then the list', async () => {
      const bff = stubBff('held-directory');
      const started = performance.now();
      const { el, events } = await mount({ bff, lang: 'en' });
      // The first update came when the loading delay (200 ms) ran out, not before.
      expect(performance.now() - started).to.be.at.least(200);
      await waitUntil(
        () => el.shadowRoot?.querySelector('h2')?.textContent?.includes('Loading banks'),
        'the loading view never showed',
      );
      await fetch(`${bff}_test/release-directory`, { method: 'POST' });
      await events.step('open');
      await el.updateComplete;
      expect($(el, 'h2').textContent).not.to.contain('Loading');
      expect(el.shadowRoot?.querySelectorAll('[role="option"]').length).to.be.greaterThan(0);
    });
  });

  describe('configuration', () => {
    it('shows an error with code BFF_MISSING when bff is missing', async () => {
      const { el, events } = await mount({ lang: 'en' });
      const error = await events.wait('bank-connect-error');
      await el.updateComplete;
      expect(error).to.include({ code: 'BFF_MISSING', retryable: false, step: 'choose' });
      expect(error.message).to.contain('bff');
      await expect(el.currentView).to.equal('error');
      expect($(el, 'h2').textContent).to.contain('failed');
    });

    it('refuses a relative bff with BFF_INVALID', async () => {
      const { events } = await mount({ bff: '/stub-bff/ok/' });
      expect(await events.wait('bank-connect-error')).to.include({ code: 'BFF_INVALID' });
    });

    it('reports an unreachable bff as BFF_UNREACHABLE, with a retry', async () => {
      const { el, events } = await mount({ bff: 'http://127.0.0.1:9/', lang: 'en' });
      expect(await events.wait('bank-connect-error')).to.include({
        code: 'BFF_UNREACHABLE',
        retryable: true,
      });
      await el.updateComplete;
      expect(button(el, 'Try again')).to.be.instanceOf(HTMLButtonElement);
    });

    it('passes a bff error code through, upper-cased', async () => {
      const { events } = await mount({ bff: stubBff('directory-error') });
      expect(await events.wait('bank-connect-error')).to.include({
        code: 'INTERNAL_ERROR',
        retryable: false,
      });
    });

    it('reports BFF_BAD_RESPONSE when an answer has another shape than the contract', async () => {
      const { events } = await mount({ bff: stubBff('bad-shape') });
      expect(await events.wait('bank-connect-error')).to.include({
        code: 'BFF_BAD_RESPONSE',
        retryable: false,
      });
    });

    it('reports BFF_BAD_RESPONSE when a flow answer misses what the widget reads', async () => {
      restoreOpen = spyOnWindowOpen().restore;
      const { el, events } = await mount({ bff: stubBff('bad-flow-shape'), mode: 'popup' });
      await chooseBank(el, events, 'lcl');
      button(el, /LCL/).click();
      expect(await events.wait('bank-connect-error')).to.include({ code: 'BFF_BAD_RESPONSE' });
    });

    it('refuses an aspsp that is not in the directory with UNKNOWN_ASPSP', async () => {
      const { events } = await mount({ bff: stubBff(), aspsp: 'nope' });
      const error = await events.wait('bank-connect-error');
      await expect(error.code).to.equal('UNKNOWN_ASPSP');
      expect(error.message).to.contain('aspsp');
    });

    it('recovers when a valid bff is set after a bad one', async () => {
      const { el, events } = await mount({ bff: 'not a url' });
      await events.wait('bank-connect-error');
      el.bff = stubBff();
      await events.step('open');
      await el.updateComplete;
      await expect(el.currentView).to.equal('choose');
    });
  });

  describe('choosing and confirming', () => {
    it('opens on the bank list and announces it', async () => {
      const { el, events } = await mount({ bff: stubBff(), lang: 'en' });
      await events.step('open');
      await el.updateComplete;
      await expect(el.currentView).to.equal('choose');
      expect($(el, '[role="status"]').textContent).to.contain('Connect your bank');
    });

    it('shows the consent for the chosen bank: data, duration and recipient', async () => {
      const { el, events } = await mount({ bff: stubBff(), lang: 'en', scopes: 'aisp cbpii' });
      await chooseBank(el, events, 'bnp');
      const consent = $(el, '[part="consent"]').textContent ?? '';
      expect(consent).to.contain('BNP Paribas');
      expect(consent).to.contain('balances');
      expect(consent).to.contain('funds');
      expect(consent).to.contain('180 days');
      expect(consent).to.contain(location.hostname);
      await expect(el.shadowRoot?.activeElement?.tagName).to.equal('H2');
    });

    it('skips the list when aspsp is preselected', async () => {
      const { el, events } = await mount({ bff: stubBff(), aspsp: 'lcl', lang: 'en' });
      await events.step('select_bank');
      await el.updateComplete;
      await expect(el.currentView).to.equal('confirm');
      expect(button(el, 'Continue to LCL')).to.be.instanceOf(HTMLButtonElement);
    });

    it('goes back to the list, focusing the search, on "choose another bank"', async () => {
      const { el, events } = await mount({ bff: stubBff(), lang: 'en' });
      await chooseBank(el, events, 'lcl');
      button(el, 'Choose another bank').click();
      await el.updateComplete;
      await expect(el.currentView).to.equal('choose');
      await expect(el.shadowRoot?.activeElement?.id).to.equal('bank-search');
    });

    it('speaks French by default', async () => {
      const { el, events } = await mount({ bff: stubBff() });
      await events.step('open');
      await el.updateComplete;
      expect($(el, 'h2').textContent).to.contain('Connecter votre banque');
    });
  });

  describe('popup flow', () => {
    it('connects through the popup and sends only the handle, session id, bank and expiry', async () => {
      const spy = spyOnWindowOpen();
      restoreOpen = spy.restore;
      const { el, events } = await mount({ bff: stubBff(), mode: 'popup', lang: 'en' });
      await chooseBank(el, events, 'societe');
      button(el, 'Continue to Société Générale').click();
      expect(spy.popups).to.have.length(1);
      const success = await events.wait('bank-connect-success');
      await el.updateComplete;
      await expect(Object.keys(success).sort()).to.deep.equal([
        'aspsp',
        'expiresAt',
        'renewed',
        'sessionHandle',
        'sessionId',
      ]);
      expect(success.sessionId).to.match(/^ses_flow-/);
      await expect(success.aspsp).to.equal('socgen');
      await expect(success.renewed).to.equal(false);
      expect(success.sessionHandle).to.match(/^sh-flow-/);
      await expect(el.currentView).to.equal('connected');
      expect(events.of('bank-connect-success')).to.have.length(1);
      expect(events.of('bank-connect-step').map((detail) => detail.step)).to.include.members([
        'open',
        'search',
        'select_bank',
        'confirm',
        'open_bank_window',
        'complete',
      ]);
      await expect(
        Object.keys(localStorage).filter((key) => key.startsWith('bank-connect:flow:')),
      ).to.deep.equal([]);
      await expect(localStorage.getItem('bank-connect:last-aspsp')).to.equal('socgen');
    });

    it('opens the popup synchronously in the click, before any request', async () => {
      const spy = spyOnWindowOpen();
      restoreOpen = spy.restore;
      const { el, events } = await mount({ bff: stubBff('hold'), mode: 'popup', lang: 'en' });
      await chooseBank(el, events, 'lcl');
      button(el, 'Continue to LCL').click();
      expect(spy.popups).to.have.length(1);
      await expect(spy.popups[0]?.location.href).to.equal('about:blank');
      await events.step('open_bank_window');
      await el.updateComplete;
      await expect(el.currentView).to.equal('waiting');
    });

    it('turns a refusal at the bank into a cancel with reason bank_denied', async () => {
      restoreOpen = spyOnWindowOpen().restore;
      const { el, events } = await mount({ bff: stubBff('denied'), mode: 'popup', lang: 'en' });
      await chooseBank(el, events, 'lcl');
      button(el, 'Continue to LCL').click();
      await expect(await events.wait('bank-connect-cancel')).to.deep.equal({
        reason: 'bank_denied',
        step: 'completing',
      });
      await el.updateComplete;
      await expect(el.currentView).to.equal('cancelled');
      expect(events.of('bank-connect-error')).to.have.length(0);
    });

    it('refuses a callback whose iss is not the bank with ISSUER_MISMATCH', async () => {
      restoreOpen = spyOnWindowOpen().restore;
      const { el, events } = await mount({ bff: stubBff('bad-iss'), mode: 'popup' });
      await chooseBank(el, events, 'lcl');
      button(el, /LCL/).click();
      expect(await events.wait('bank-connect-error')).to.include({
        code: 'ISSUER_MISMATCH',
        retryable: true,
      });
      expect(events.of('bank-connect-success')).to.have.length(0);
    });

    it('cancels with reason popup_closed when the customer closes the bank window', async () => {
      const spy = spyOnWindowOpen();
      restoreOpen = spy.restore;
      const { el, events } = await mount({ bff: stubBff('hold'), mode: 'popup', lang: 'en' });
      await chooseBank(el, events, 'lcl');
      button(el, 'Continue to LCL').click();
      await events.step('open_bank_window');
      spy.popups[0]?.close();
      await expect(await events.wait('bank-connect-cancel')).to.deep.equal({
        reason: 'popup_closed',
        step: 'waiting',
      });
      await events.step('bank_window_closed');
      await el.updateComplete;
      await expect(el.currentView).to.equal('cancelled');
      await expect(el.shadowRoot?.activeElement?.tagName).to.equal('H2');
      button(el, 'Try again').click();
      await el.updateComplete;
      await expect(el.currentView).to.equal('confirm');
    });

    it('cancels on the cancel button and closes the bank window', async () => {
      const spy = spyOnWindowOpen();
      restoreOpen = spy.restore;
      const { el, events } = await mount({ bff: stubBff('hold'), mode: 'popup', lang: 'en' });
      await chooseBank(el, events, 'lcl');
      button(el, 'Continue to LCL').click();
      await events.step('open_bank_window');
      await el.updateComplete;
      button(el, 'Cancel').click();
      await expect(await events.wait('bank-connect-cancel')).to.deep.equal({
        reason: 'user',
        step: 'waiting',
      });
      await expect(spy.popups[0]?.closed).to.equal(true);
    });

    it('focuses the bank window again on "reopen"', async () => {
      const spy = spyOnWindowOpen();
      restoreOpen = spy.restore;
      const { el, events } = await mount({ bff: stubBff('hold'), mode: 'popup', lang: 'en' });
      await chooseBank(el, events, 'lcl');
      button(el, 'Continue to LCL').click();
      await events.step('open_bank_window');
      await el.updateComplete;
      button(el, 'Reopen the bank window').click();
      await events.step('bank_window_reopened');
      expect(spy.popups).to.have.length(1);
      await expect(el.currentView).to.equal('waiting');
    });

    it('offers to continue in this tab when the popup is blocked', async () => {
      restoreOpen = spyOnWindowOpen(() => null).restore;
      const { el, events } = await mount({ bff: stubBff(), mode: 'popup', lang: 'en' });
      await chooseBank(el, events, 'lcl');
      button(el, 'Continue to LCL').click();
      expect(await events.wait('bank-connect-error')).to.include({
        code: 'POPUP_BLOCKED',
        retryable: true,
      });
      await el.updateComplete;
      await expect(el.currentView).to.equal('popup-blocked');
      expect(button(el, 'Continue in this tab')).to.be.instanceOf(HTMLButtonElement);
      expect(el.shadowRoot?.activeElement?.textContent).to.contain('blocked');
    });

    it('closes the popup and shows a retryable error when the bff refuses the flow', async () => {
      const spy = spyOnWindowOpen();
      restoreOpen = spy.restore;
      const { el, events } = await mount({
        bff: stubBff('flows-error'),
        mode: 'popup',
        lang: 'en',
      });
      await chooseBank(el, events, 'lcl');
      button(el, 'Continue to LCL').click();
      expect(await events.wait('bank-connect-error')).to.include({
        code: 'BANK_UNAVAILABLE',
        retryable: true,
      });
      await el.updateComplete;
      await expect(spy.popups[0]?.closed).to.equal(true);
      button(el, 'Try again').click();
      await el.updateComplete;
      await expect(el.currentView).to.equal('confirm');
    });

    it('shows BANK_ERROR when completing fails at the bank', async () => {
      restoreOpen = spyOnWindowOpen().restore;
      const { el, events } = await mount({ bff: stubBff('complete-error'), mode: 'popup' });
      await chooseBank(el, events, 'lcl');
      button(el, /LCL/).click();
      expect(await events.wait('bank-connect-error')).to.include({
        code: 'BANK_ERROR',
        step: 'completing',
      });
    });
  });

  describe('accessibility', () => {
    it('passes axe on the consent view', async () => {
      const { el, events } = await mount({ bff: stubBff(), aspsp: 'lcl' });
      await events.step('select_bank');
      await el.updateComplete;
      await expect(el).to.be.accessible();
    });

    // Each view after "Continue": the stub's scenario, whether the popup is blocked, and the
    // event that says the view is there.
    const afterContinue: [string, string, boolean, (events: EventRecorder) => Promise<unknown>][] =
      [
        ['waiting', 'hold', false, (events) => events.step('open_bank_window')],
        ['popup-blocked', 'ok', true, (events) => events.wait('bank-connect-error')],
        ['connected', 'ok', false, (events) => events.wait('bank-connect-success')],
        ['cancelled', 'denied', false, (events) => events.wait('bank-connect-cancel')],
      ];
    for (const [view, scenario, blocked, settled] of afterContinue) {
      it(`passes axe on the ${view} view`, async () => {
        restoreOpen = spyOnWindowOpen(blocked ? () => null : undefined).restore;
        const { el, events } = await mount({ bff: stubBff(scenario), aspsp: 'lcl', mode: 'popup' });
        await events.step('select_bank');
        await el.updateComplete;
        button(el, /LCL/).click();
        await settled(events);
        await el.updateComplete;
        await expect(el.currentView).to.equal(view);
        await expect(el).to.be.accessible();
      });
    }

    it('passes axe on the error view', async () => {
      const { el, events } = await mount({ bff: 'http://127.0.0.1:9/' });
      await events.wait('bank-connect-error');
      await el.updateComplete;
      await expect(el).to.be.accessible();
    });
  });
});
