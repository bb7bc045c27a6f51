import { expect } from '@open-wc/testing';
import { navigation } from '../../widget/authorization/redirect.js';
import type { FlowResultMessage } from '../../widget/authorization/callback-relay.js';
import {
  $,
  button,
  chooseBank,
  lastFlow,
  mount,
  spyOnWindowOpen,
  stubBff,
  unmountAll,
} from './support/helpers.js';

const originalAssign = navigation.assign.bind(navigation);

function clearHash(): void {
  history.replaceState(history.state, '', location.pathname + location.search);
}

/** Starts a redirect flow with navigation captured; returns what the bank would get. */
async function startRedirect(bff: string) {
  const targets: string[] = [];
  navigation.assign = (url: string) => targets.push(url);
  const opened = spyOnWindowOpen();
  const { el, events } = await mount({ bff, mode: 'redirect', lang: 'en' });
  await chooseBank(el, events, 'lcl');
  button(el, 'Continue to LCL').click();
  await events.step('handoff');
  await el.updateComplete;
  opened.restore();
  return { el, events, targets, popups: opened.popups, flow: await lastFlow(bff) };
}

describe('redirect mode and other tabs', () => {
  let channel: BroadcastChannel | undefined;

  afterEach(() => {
    navigation.assign = originalAssign;
    unmountAll();
    clearHash();
    channel?.close();
    channel = undefined;
    localStorage.clear();
  });

  it('stores the flow and leaves for the bank without a popup', async () => {
    const bff = stubBff();
    const { el, targets, popups, flow } = await startRedirect(bff);
    expect(popups).to.have.length(0);
    expect(targets).to.have.length(1);
    expect(targets[0]).to.contain(`/bank/authorize?flow=${flow.flowId}`);
    await expect(el.currentView).to.equal('redirecting');
    const stored = JSON.parse(
      localStorage.getItem(`bank-connect:flow:${flow.flowId}`) ?? '{}',
    ) as Record<string, unknown>;
    expect(stored).to.include({
      version: 1,
      flowId: flow.flowId,
      state: flow.state,
      issuer: flow.issuer,
      reconnect: false,
    });
    expect(stored.codeVerifier).to.be.a('string');
  });

  it('completes the flow after the reload that brings the bank answer in the fragment', async () => {
    const bff = stubBff();
    const { flow } = await startRedirect(bff);
    unmountAll();
    channel = new BroadcastChannel('bank-connect');
    const broadcast = new Promise<FlowResultMessage>((resolve) =>
      channel?.addEventListener(
        'message',
        (event: MessageEvent<FlowResultMessage>) => resolve(event.data),
        { once: true },
      ),
    );
    history.replaceState(
      history.state,
      '',
      `#bank_connect_flow=${flow.flowId}&code=${flow.code}&state=${encodeURIComponent(flow.state)}&iss=${encodeURIComponent(flow.issuer)}`,
    );
    const { el, events } = await mount({ bff, lang: 'en' });
    const success = await events.wait('bank-connect-success');
    await el.updateComplete;
    await expect(success.aspsp).to.equal('lcl');
    await expect(el.currentView).to.equal('connected');
    await expect(location.hash).to.equal('');
    await expect(localStorage.getItem(`bank-connect:flow:${flow.flowId}`)).to.equal(null);
    const message = await broadcast;
    await expect(message).to.deep.equal({
      type: 'bank-connect:flow-result',
      flowId: flow.flowId,
      outcome: 'connected',
      session: success,
    });
  });

  it('lets only one of two instances complete a returned flow', async () => {
    const bff = stubBff();
    const { flow } = await startRedirect(bff);
    unmountAll();
    history.replaceState(
      history.state,
      '',
      `#bank_connect_flow=${flow.flowId}&code=${flow.code}&state=${flow.state}&iss=${encodeURIComponent(flow.issuer)}`,
    );
    const first = await mount({ bff });
    const second = await mount({ bff });
    await first.events.wait('bank-connect-success');
    await second.events.step('open');
    expect(second.events.of('bank-connect-success')).to.have.length(0);
    await expect(second.el.currentView).to.equal('choose');
  });

  it('reports a returned flow this browser does not know as FLOW_EXPIRED and clears the fragment', async () => {
    localStorage.setItem(
      'bank-connect:flow:flow-stale',
      JSON.stringify({ version: 1, flowId: 'flow-stale', expiresAt: '2000-01-01T00:00:00Z' }),
    );
    history.replaceState(history.state, '', '#bank_connect_flow=flow-stale&code=c&state=s');
    const { el, events } = await mount({ bff: stubBff(), lang: 'en' });
    expect(await events.wait('bank-connect-error')).to.include({
      code: 'FLOW_EXPIRED',
      retryable: true,
    });
    await el.updateComplete;
    await expect(el.currentView).to.equal('error');
    await expect(location.hash).to.equal('');
    await expect(localStorage.getItem('bank-connect:flow:flow-stale')).to.equal(null);
  });

  it('connects the starting tab when another tab broadcasts the result', async () => {
    const spy = spyOnWindowOpen();
    const bff = stubBff('hold');
    const { el, events } = await mount({ bff, mode: 'popup', lang: 'en' });
    await chooseBank(el, events, 'lcl');
    button(el, 'Continue to LCL').click();
    await events.step('open_bank_window');
    const flow = await lastFlow(bff);
    channel = new BroadcastChannel('bank-connect');
    const session = {
      sessionHandle: 'sh-from-other-tab',
      sessionId: `ses_${'t'.repeat(43)}`,
      aspsp: 'lcl',
      expiresAt: '2030-01-01T00:00:00Z',
      renewed: false,
    };
    channel.postMessage({
      type: 'bank-connect:flow-result',
      flowId: 'flow-unrelated',
      outcome: 'connected',
      session: { ...session, sessionHandle: 'sh-wrong' },
    });
    channel.postMessage({
      type: 'bank-connect:flow-result',
      flowId: flow.flowId,
      outcome: 'connected',
      session,
    });
    await expect(await events.wait('bank-connect-success')).to.deep.equal(session);
    await el.updateComplete;
    await expect(el.currentView).to.equal('connected');
    await expect(spy.popups[0]?.closed).to.equal(true);
    spy.restore();
  });

  describe('reconnect', () => {
    it('skips the bank choice for a session that needs re-authentication and keeps its handle', async () => {
      const spy = spyOnWindowOpen();
      const { el, events } = await mount({
        bff: stubBff(),
        session: 'sh-reauth',
        mode: 'popup',
        lang: 'en',
      });
      await expect(await events.step('reconnect')).to.deep.equal({
        step: 'reconnect',
        aspsp: 'socgen',
      });
      await el.updateComplete;
      await expect(el.currentView).to.equal('confirm');
      expect($(el, '[part="consent"]').textContent).to.contain('expired');
      expect(() => button(el, 'Choose another bank')).to.throw();
      button(el, 'Continue to Société Générale').click();
      const success = await events.wait('bank-connect-success');
      expect(success).to.include({ sessionHandle: 'sh-reauth', aspsp: 'socgen', renewed: true });
      spy.restore();
    });

    it('offers to renew a consent that is about to end, with its date, and keeps the handle', async () => {
      const spy = spyOnWindowOpen();
      const { el, events } = await mount({
        bff: stubBff(),
        session: 'sh-expiring',
        mode: 'popup',
        lang: 'en',
      });
      await expect(await events.step('renew')).to.deep.equal({ step: 'renew', aspsp: 'socgen' });
      await el.updateComplete;
      await expect(el.currentView).to.equal('confirm');
      const consent = $(el, '[part="consent"]').textContent ?? '';
      expect(consent).to.contain('expires on March 14, 2030: sign in again');
      expect(consent).not.to.contain('has expired');
      expect(() => button(el, 'Choose another bank')).to.throw();
      button(el, 'Continue to Société Générale').click();
      const success = await events.wait('bank-connect-success');
      expect(success).to.include({ sessionHandle: 'sh-expiring', aspsp: 'socgen', renewed: true });
      spy.restore();
    });

    it('says the date in French by default', async () => {
      const { el, events } = await mount({ bff: stubBff(), session: 'sh-expiring' });
      await events.step('renew');
      await el.updateComplete;
      expect($(el, '[part="consent"]').textContent).to.contain(
        'expire le 14 mars 2030 : identifiez-vous à nouveau',
      );
    });

    it('shows an active session as connected without announcing a new connection', async () => {
      const { el, events } = await mount({ bff: stubBff(), session: 'sh-active', lang: 'en' });
      await events.step('session_active');
      await el.updateComplete;
      await expect(el.currentView).to.equal('connected');
      expect(events.of('bank-connect-success')).to.have.length(0);
    });

    it('falls back to the bank list for a session the bff does not know', async () => {
      const { el, events } = await mount({ bff: stubBff(), session: 'sh-unknown' });
      await events.step('open');
      await el.updateComplete;
      await expect(el.currentView).to.equal('choose');
    });
  });
});
