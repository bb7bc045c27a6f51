import { expect } from '@open-wc/testing';
import type { BankConnect } from '../../widget/bank-connect.js';
import {
  button,
  chooseBank,
  type EventRecorder,
  lastFlow,
  mount,
  spyOnWindowOpen,
  stubBff,
  unmountAll,
} from './support/helpers.js';

interface Waiting {
  el: BankConnect;
  events: EventRecorder;
  popup: Window;
  bff: string;
  flow: { flowId: string; state: string; issuer: string; code: string };
}

describe('popup callback checks', () => {
  let restoreOpen: (() => void) | undefined;

  afterEach(() => {
    unmountAll();
    restoreOpen?.();
    localStorage.clear();
  });

  /** Starts a popup flow whose stub bank holds, so the test plays the callback itself. */
  async function startWaiting(): Promise<Waiting> {
    const spy = spyOnWindowOpen();
    restoreOpen = spy.restore;
    const bff = stubBff('hold');
    const { el, events } = await mount({ bff, mode: 'popup', lang: 'en' });
    await chooseBank(el, events, 'lcl');
    button(el, 'Continue to LCL').click();
    await events.step('open_bank_window');
    await el.updateComplete;
    const popup = spy.popups[0];
    if (!popup) throw new Error('no popup');
    return { el, events, popup, bff, flow: await lastFlow(bff) };
  }

  function callback(flow: Waiting['flow'], overrides: Record<string, string> = {}) {
    const response = new URLSearchParams({
      code: flow.code,
      state: flow.state,
      iss: flow.issuer,
      ...overrides,
    });
    return { type: 'bank-connect:callback', flowId: flow.flowId, response: response.toString() };
  }

  function deliver(data: unknown, origin: string, source: Window): void {
    window.dispatchEvent(new MessageEvent('message', { data, origin, source }));
  }

  it('ignores a callback from another origin', async () => {
    const { el, events, popup, flow } = await startWaiting();
    deliver(callback(flow), 'https://evil.example', popup);
    deliver(callback(flow), `${location.origin}.evil.example`, popup);
    await el.updateComplete;
    await expect(el.currentView).to.equal('waiting');
    expect(events.of('bank-connect-success')).to.have.length(0);
    expect(events.of('bank-connect-error')).to.have.length(0);
  });

  it('ignores a callback from a window that is not its popup', async () => {
    const { el, events, flow } = await startWaiting();
    const seen = new Promise((resolve) =>
      window.addEventListener('message', resolve, { once: true }),
    );
    window.postMessage(callback(flow), location.origin);
    await seen;
    await el.updateComplete;
    await expect(el.currentView).to.equal('waiting');
    expect(events.of('bank-connect-success')).to.have.length(0);
  });

  it('ignores callbacks for another flow or of the wrong shape', async () => {
    const { el, popup, flow } = await startWaiting();
    deliver({ ...callback(flow), flowId: 'flow-other' }, location.origin, popup);
    deliver({ ...callback(flow), type: 'other' }, location.origin, popup);
    deliver({ ...callback(flow), response: 42 }, location.origin, popup);
    deliver('bank-connect:callback', location.origin, popup);
    await el.updateComplete;
    await expect(el.currentView).to.equal('waiting');
  });

  it('still connects on the genuine callback after spoofed ones', async () => {
    const { events, popup, flow } = await startWaiting();
    deliver(callback(flow), 'https://evil.example', popup);
    deliver(callback(flow), location.origin, popup);
    const success = await events.wait('bank-connect-success');
    await expect(success.aspsp).to.equal('lcl');
    expect(events.of('bank-connect-success')).to.have.length(1);
  });

  it('refuses a callback whose state does not match with STATE_MISMATCH', async () => {
    const { el, events, popup, flow } = await startWaiting();
    deliver(callback(flow, { state: 'forged-state' }), location.origin, popup);
    expect(await events.wait('bank-connect-error')).to.include({
      code: 'STATE_MISMATCH',
      step: 'completing',
    });
    await el.updateComplete;
    await expect(el.currentView).to.equal('error');
    expect(events.of('bank-connect-success')).to.have.length(0);
    await expect(localStorage.getItem(`bank-connect:flow:${flow.flowId}`)).to.equal(null);
  });

  it('refuses a callback without iss when the bank promises one', async () => {
    const { events, popup, flow } = await startWaiting();
    const response = new URLSearchParams({ code: flow.code, state: flow.state }).toString();
    deliver(
      { type: 'bank-connect:callback', flowId: flow.flowId, response },
      location.origin,
      popup,
    );
    expect(await events.wait('bank-connect-error')).to.include({ code: 'ISSUER_MISMATCH' });
  });

  it('turns a bank error other than access_denied into BANK_ERROR', async () => {
    const { events, popup, flow } = await startWaiting();
    const response = new URLSearchParams({
      error: 'server_error',
      state: flow.state,
      iss: flow.issuer,
    });
    deliver(
      { type: 'bank-connect:callback', flowId: flow.flowId, response: response.toString() },
      location.origin,
      popup,
    );
    expect(await events.wait('bank-connect-error')).to.include({ code: 'BANK_ERROR' });
  });
});
