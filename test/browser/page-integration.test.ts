import { expect } from '@open-wc/testing';
import { navigation } from '../../widget/authorization/redirect.js';
import type { FlowResultMessage } from '../../widget/authorization/callback-relay.js';
import { BankConnect } from '../../widget/bank-connect.js';
import {
  button,
  chooseBank,
  FAKE_SECRETS,
  lastFlow,
  mount,
  spyOnWindowOpen,
  stubBff,
  unmountAll,
} from './support/helpers.js';

interface CspResult {
  type: 'csp-result';
  view?: string;
  options?: number;
  styleSheets?: number;
  violations: string[];
  enforced?: boolean;
  error?: string;
}

describe('on a real page', () => {
  const restore: (() => void)[] = [];

  afterEach(() => {
    unmountAll();
    for (const undo of restore.splice(0)) undo();
    localStorage.clear();
  });

  it('renders and works under a strict CSP with Trusted Types, without violations', async () => {
    const iframe = document.createElement('iframe');
    iframe.title = 'csp page';
    const result = new Promise<CspResult>((resolve) => {
      const listener = (event: MessageEvent<CspResult>) => {
        if (event.source !== iframe.contentWindow || event.data?.type !== 'csp-result') return;
        window.removeEventListener('message', listener);
        resolve(event.data);
      };
      window.addEventListener('message', listener);
    });
    iframe.src = '/stub-bff/csp-page.html';
    document.body.append(iframe);
    restore.push(() => iframe.remove());
    const { view, options, styleSheets, violations, enforced, error } = await result;
    await expect(error).to.equal(undefined);
    await expect(enforced).to.equal(true);
    await expect(violations).to.deep.equal([]);
    await expect(options).to.equal(1);
    await expect(view).to.equal('confirm');
    expect(styleSheets).to.be.greaterThan(0);
  });

  it('runs two instances side by side, each with its own events', async () => {
    const spy = spyOnWindowOpen();
    restore.push(spy.restore);
    const first = await mount({ bff: stubBff(), mode: 'popup', lang: 'en' });
    const second = await mount({ bff: stubBff(), mode: 'popup', lang: 'en' });
    await chooseBank(first.el, first.events, 'lcl');
    await chooseBank(second.el, second.events, 'bnp');
    button(second.el, 'Continue to BNP Paribas').click();
    await expect((await second.events.wait('bank-connect-success')).aspsp).to.equal('bnp');
    await expect(first.el.currentView).to.equal('confirm');
    button(first.el, 'Continue to LCL').click();
    await expect((await first.events.wait('bank-connect-success')).aspsp).to.equal('lcl');
    expect(first.events.of('bank-connect-success')).to.have.length(1);
    expect(second.events.of('bank-connect-success')).to.have.length(1);
  });

  it('survives the script being loaded twice: no redefinition, events fire once', async () => {
    const registered = customElements.get('bank-connect');
    await expect(registered).to.equal(BankConnect);
    await import(/* @vite-ignore */ `${location.origin}/widget/define.ts?copy=2`);
    await import(/* @vite-ignore */ `${location.origin}/widget/registration.ts?copy=3`).then(
      (copy: { defineBankConnect: () => void }) => copy.defineBankConnect(),
    );
    await expect(customElements.get('bank-connect')).to.equal(registered);
    const spy = spyOnWindowOpen();
    restore.push(spy.restore);
    const { el, events } = await mount({ bff: stubBff(), mode: 'popup', aspsp: 'lcl', lang: 'en' });
    await events.step('select_bank');
    await el.updateComplete;
    button(el, 'Continue to LCL').click();
    await events.wait('bank-connect-success');
    const steps = events.of('bank-connect-step').map((detail) => detail.step);
    expect(steps.filter((step) => step === 'complete')).to.have.length(1);
    expect(steps.filter((step) => step === 'open_bank_window')).to.have.length(1);
    expect(events.of('bank-connect-success')).to.have.length(1);
  });

  it('never copies a token, code, verifier or state into events, storage, attributes or DOM', async () => {
    const bff = stubBff();
    const targets: string[] = [];
    const originalAssign = navigation.assign.bind(navigation);
    navigation.assign = (url: string) => targets.push(url);
    restore.push(() => (navigation.assign = originalAssign));
    const channel = new BroadcastChannel('bank-connect');
    const broadcasts: FlowResultMessage[] = [];
    channel.addEventListener('message', (event: MessageEvent<FlowResultMessage>) =>
      broadcasts.push(event.data),
    );
    restore.push(() => channel.close());

    const starting = await mount({ bff, mode: 'redirect', lang: 'en' });
    await chooseBank(starting.el, starting.events, 'lcl');
    button(starting.el, 'Continue to LCL').click();
    await starting.events.step('handoff');
    const flow = await lastFlow(bff);
    const stored = JSON.parse(localStorage.getItem(`bank-connect:flow:${flow.flowId}`) ?? '{}') as {
      codeVerifier: string;
    };
    const secrets = [...FAKE_SECRETS, flow.code, flow.state, stored.codeVerifier];

    history.replaceState(
      history.state,
      '',
      `#bank_connect_flow=${flow.flowId}&code=${flow.code}&state=${flow.state}&iss=${encodeURIComponent(flow.issuer)}`,
    );
    restore.push(() =>
      history.replaceState(history.state, '', location.pathname + location.search),
    );
    const resumed = await mount({ bff, lang: 'en' });
    const { sessionHandle } = await resumed.events.wait('bank-connect-success');
    await resumed.el.updateComplete;
    await new Promise<void>((resolve) =>
      broadcasts.length > 0
        ? resolve()
        : channel.addEventListener('message', () => resolve(), { once: true }),
    );

    const places: Record<string, string> = {
      events: JSON.stringify(
        [...starting.events.events, ...resumed.events.events].map((event): unknown => event.detail),
      ),
      localStorage: JSON.stringify({ ...localStorage }),
      sessionStorage: JSON.stringify({ ...sessionStorage }),
      attributes: starting.el.outerHTML + resumed.el.outerHTML,
      shadowDom:
        (starting.el.shadowRoot?.innerHTML ?? '') + (resumed.el.shadowRoot?.innerHTML ?? ''),
      broadcasts: JSON.stringify(broadcasts),
      url: location.href,
    };
    for (const [place, text] of Object.entries(places)) {
      for (const secret of secrets) expect(text, `${place} holds a secret`).not.to.contain(secret);
    }
    // Any script of the origin reads the channel: it tells how the flow ended, not the handle.
    expect(places.broadcasts).not.to.contain(sessionHandle);
    for (const broadcast of broadcasts) {
      await expect(Object.keys(broadcast).sort()).to.deep.equal(['flowId', 'outcome', 'type']);
    }
  });
});
