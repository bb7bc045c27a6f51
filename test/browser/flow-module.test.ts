import { expect } from '@open-wc/testing';
import { flowModule } from '../../widget/authorization/load-flow.js';
import {
  $,
  button,
  chooseBank,
  mount,
  spyOnWindowOpen,
  stubBff,
  typeSearch,
  unmountAll,
} from './support/helpers.js';

type FlowModule = Awaited<ReturnType<typeof flowModule.load>>;

/** A stand-in bank window that says when it is closed; nothing real opens. */
function fakePopup(): { window: Window; closed: Promise<void> } {
  let resolve = () => {};
  const closed = new Promise<void>((done) => (resolve = done));
  const popup = {
    closed: false,
    location: { href: 'about:blank' },
    focus() {},
    close() {
      popup.closed = true;
      resolve();
    },
  };
  return { window: popup as unknown as Window, closed };
}

/** A flow module load that the test releases when it chooses. */
function deferredLoad(): { load: () => Promise<FlowModule>; release: () => void } {
  const real = flowModule.load;
  let release = () => {};
  const gate = new Promise<void>((done) => (release = done));
  return { load: () => gate.then(real), release };
}

describe('the consent chunk, loaded on demand', () => {
  const realLoad = flowModule.load;
  let restoreOpen: (() => void) | undefined;

  afterEach(() => {
    unmountAll();
    flowModule.load = realLoad;
    restoreOpen?.();
    restoreOpen = undefined;
    localStorage.clear();
  });

  it('is fetched once, when a bank is chosen, before the consent shows', async () => {
    let loads = 0;
    flowModule.load = () => {
      loads += 1;
      return realLoad();
    };
    restoreOpen = spyOnWindowOpen().restore;
    const { el, events } = await mount({ bff: stubBff(), mode: 'popup', lang: 'en' });
    await events.step('open');
    await expect(loads).to.equal(0);
    await typeSearch(el, 'lcl');
    $(el, '[role="option"]').click();
    await events.step('select_bank');
    await expect(loads).to.equal(1);
    await el.updateComplete;
    await expect(el.currentView).to.equal('confirm');
    button(el, 'Continue to LCL').click();
    await events.wait('bank-connect-success');
    await expect(loads).to.equal(1);
  });

  it('reports SCRIPT_LOAD_FAILED when the consent cannot come, and fetches again on retry', async () => {
    let failing = true;
    flowModule.load = () =>
      failing ? Promise.reject(new TypeError('Failed to fetch module')) : realLoad();
    const spy = spyOnWindowOpen();
    restoreOpen = spy.restore;
    const { el, events } = await mount({ bff: stubBff(), mode: 'popup', lang: 'en' });
    await chooseBank(el, events, 'lcl');
    await expect(await events.wait('bank-connect-error')).to.deep.equal({
      code: 'SCRIPT_LOAD_FAILED',
      message: 'the authorization code could not be loaded',
      retryable: true,
      step: 'confirm',
    });
    await expect(el.currentView).to.equal('error');
    expect(() => button(el, 'Continue to LCL')).to.throw();
    expect(el.shadowRoot?.textContent).to.contain('The service cannot be reached');
    failing = false;
    button(el, 'Try again').click();
    await el.updateComplete;
    await expect(el.currentView).to.equal('confirm');
    button(el, 'Continue to LCL').click();
    await expect((await events.wait('bank-connect-success')).aspsp).to.equal('lcl');
    expect(spy.popups).to.have.length(1);
  });

  it('shows no consent and opens no window when the chunk arrives after the element left the page', async () => {
    const gate = deferredLoad();
    flowModule.load = gate.load;
    const spy = spyOnWindowOpen();
    restoreOpen = spy.restore;
    const { el, events } = await mount({ bff: stubBff(), mode: 'popup', lang: 'en' });
    await events.step('open');
    await el.updateComplete;
    $(el, '[data-aspsp="lcl"]').click();
    await events.step('select_bank');
    unmountAll();
    gate.release();
    await el.updateComplete;
    await expect(el.currentView).to.equal('choose');
    expect(spy.popups).to.have.length(0);
    expect(events.of('bank-connect-error')).to.have.length(0);
  });

  it('shows the consent of the last bank chosen while the chunk was on its way', async () => {
    const gate = deferredLoad();
    flowModule.load = gate.load;
    const { el, events } = await mount({ bff: stubBff(), lang: 'en' });
    await events.step('open');
    await el.updateComplete;
    $(el, '[data-aspsp="lcl"]').click();
    $(el, '[data-aspsp="bnp"]').click();
    gate.release();
    await el.updateComplete;
    await expect(el.currentView).to.equal('confirm');
    expect(button(el, 'Continue to BNP Paribas')).to.be.instanceOf(HTMLButtonElement);
  });

  it('closes the first window when Continue is clicked twice', async () => {
    const popups = [fakePopup(), fakePopup()];
    let opened = 0;
    restoreOpen = spyOnWindowOpen(() => popups[opened++]?.window ?? null).restore;
    const { el, events } = await mount({ bff: stubBff('hold'), mode: 'popup', lang: 'en' });
    await chooseBank(el, events, 'lcl');
    button(el, 'Continue to LCL').click();
    button(el, 'Continue to LCL').click();
    await popups[0]?.closed;
    await events.step('open_bank_window');
    await expect(popups[0]?.window.location.href).to.equal('about:blank');
    expect(popups[1]?.window.location.href).to.contain('/bank/authorize?flow=');
    await expect(popups[1]?.window.closed).to.equal(false);
  });
});
