import { expect } from '@open-wc/testing';
import { navigation } from '../../widget/authorization/redirect.js';
import type { FlowResultMessage } from '../../widget/authorization/callback-relay.js';
import {
  $,
  acceptedProofs,
  button,
  chooseBank,
  completeInAnotherTab,
  lastFlow,
  mount,
  spyOnWindowOpen,
  stubBff,
  unmountAll,
  waitForProofs,
  withAnotherKey,
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
    // The other tabs learn that it connected, and nothing else: no handle, no session.
    const message = await broadcast;
    await expect(message).to.deep.equal({
      type: 'bank-connect:flow-result',
      flowId: flow.flowId,
      outcome: 'connected',
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

  /** Starts a popup flow whose bank holds, as the tab that another tab will finish for. */
  async function startWaitingTab(bff: string) {
    const spy = spyOnWindowOpen();
    const { el, events } = await mount({ bff, mode: 'popup', lang: 'en' });
    await chooseBank(el, events, 'lcl');
    button(el, 'Continue to LCL').click();
    await events.step('open_bank_window');
    channel = new BroadcastChannel('bank-connect');
    return { el, events, spy, flow: await lastFlow(bff) };
  }

  it('asks the bff for the session when another tab says the flow connected, and reports its answer', async () => {
    const bff = stubBff('hold');
    const { el, events, spy, flow } = await startWaitingTab(bff);
    const completed = await completeInAnotherTab(bff, flow);
    channel?.postMessage({
      type: 'bank-connect:flow-result',
      flowId: 'flow-unrelated',
      outcome: 'connected',
    });
    channel?.postMessage({
      type: 'bank-connect:flow-result',
      flowId: flow.flowId,
      outcome: 'connected',
    });
    await expect(await events.wait('bank-connect-success')).to.deep.equal({
      sessionHandle: completed.sessionHandle,
      sessionId: completed.id,
      aspsp: 'lcl',
      expiresAt: completed.expiresAt,
      renewed: false,
    });
    await el.updateComplete;
    await expect(el.currentView).to.equal('connected');
    await expect(spy.popups[0]?.closed).to.equal(true);
    const result = (await acceptedProofs(bff)).filter((proof) => proof.route.endsWith('/result'));
    await expect(
      result.map((proof) => [proof.route, proof.method, proof.authorization]),
    ).to.deep.equal([[`v1/flows/${flow.flowId}/result`, 'POST', '']]);
    spy.restore();
  });

  it('never reports a success a forged message announces, with a handle of the sender’s choosing', async () => {
    const bff = stubBff('hold');
    const { el, events, spy, flow } = await startWaitingTab(bff);
    const forged = {
      type: 'bank-connect:flow-result',
      flowId: flow.flowId,
      outcome: 'connected',
      sessionHandle: 'sh-attacker',
      session: {
        sessionHandle: 'sh-attacker',
        sessionId: `ses_${'a'.repeat(43)}`,
        aspsp: 'lcl',
        expiresAt: '2030-01-01T00:00:00Z',
        renewed: false,
      },
    };
    const before = (await acceptedProofs(bff)).length;
    channel?.postMessage(forged);
    // The tab asks the bff, which has completed nothing: the flow goes on waiting.
    const asked = await waitForProofs(bff, before + 1);
    await expect(asked.at(-1)?.route).to.equal(`v1/flows/${flow.flowId}/result`);
    await el.updateComplete;
    await expect(el.currentView).to.equal('waiting');
    // The real end, announced with the same forged fields, gives the bff's session only.
    const completed = await completeInAnotherTab(bff, flow);
    channel?.postMessage(forged);
    const success = await events.wait('bank-connect-success');
    await expect(success.sessionHandle).to.equal(completed.sessionHandle);
    expect(JSON.stringify(events.events.map((event): unknown => event.detail))).not.to.contain(
      'attacker',
    );
    expect(events.of('bank-connect-success')).to.have.length(1);
    spy.restore();
  });

  it('reports INVALID_DPOP_PROOF when another tab completed the flow with another key', async () => {
    const bff = stubBff('hold');
    const { el, events, spy, flow } = await startWaitingTab(bff);
    await withAnotherKey(() => completeInAnotherTab(bff, flow));
    channel?.postMessage({
      type: 'bank-connect:flow-result',
      flowId: flow.flowId,
      outcome: 'connected',
    });
    expect(await events.wait('bank-connect-error')).to.include({
      code: 'INVALID_DPOP_PROOF',
      retryable: false,
    });
    await el.updateComplete;
    await expect(el.currentView).to.equal('error');
    expect(events.of('bank-connect-success')).to.have.length(0);
    spy.restore();
  });

  it('takes a cancel or a failure from another tab as told: they carry nothing to check', async () => {
    const bff = stubBff('hold');
    const { events, spy, flow } = await startWaitingTab(bff);
    channel?.postMessage({
      type: 'bank-connect:flow-result',
      flowId: flow.flowId,
      outcome: 'cancelled',
    });
    await expect(await events.wait('bank-connect-cancel')).to.deep.equal({
      reason: 'bank_denied',
      step: 'waiting',
    });
    spy.restore();
    const other = await startWaitingTab(stubBff('hold'));
    channel?.postMessage({
      type: 'bank-connect:flow-result',
      flowId: other.flow.flowId,
      outcome: 'failed',
      code: 'BANK_UNAVAILABLE',
    });
    expect(await other.events.wait('bank-connect-error')).to.include({ code: 'BANK_ERROR' });
    other.spy.restore();
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
