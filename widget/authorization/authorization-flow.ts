import type { BankScope, ConnectedSession, FlowMode } from '../contract.js';
import type { BffClient } from '../bff-client.js';
import { BankConnectError, toBankConnectError } from '../errors.js';
import type { CancelReason, StepName, SuccessDetail } from '../events.js';
import {
  claimFlow,
  publishResult,
  subscribeToCallback,
  subscribeToResult,
  type FlowOutcome,
} from './callback-relay.js';
import { completeFlow, createFlow, fetchFlowResult } from './flow-requests.js';
import { deleteFlow, loadFlow, pruneFlows, saveFlow, type StoredFlow } from './flow-storage.js';
import { PopupWindow } from './popup-window.js';
import { clearReturnedFlow, currentPageUrl, navigation, preferRedirect } from './redirect.js';
import type { ReturnedFlow } from './returned-flow.js';
import { createAuthorizationSecrets } from './secrets.js';
import { validateCallback } from './validate-callback.js';

/**
 * What the controller tells its host; the host turns these into views and events. Names ending
 * in `_` are internal: the build shortens them (see `mangleInternalProperties` in vite.config.ts).
 */
export interface AuthorizationListener {
  onStep_(step: StepName): void;
  /** The popup is at the bank, or the page is leaving for it. */
  onWaiting_(mode: FlowMode): void;
  onPopupBlocked_(): void;
  onCompleting_(): void;
  onConnected_(session: SuccessDetail): void;
  onCancelled_(reason: CancelReason): void;
  onFailed_(error: BankConnectError): void;
}

/** Everything one authorization needs. */
export interface AuthorizationRequest {
  client: BffClient;
  aspsp: string;
  scopes: BankScope[];
  /** `popup`, `redirect`, or anything else for `auto`: see `preferRedirect`. */
  mode: string;
  /** Redirect mode: where the bank's answer comes back; empty for this page. */
  returnTo: string;
  /** For a reconnect: the existing handle, sent to the BFF only, with a DPoP proof. */
  sessionHandle: string | undefined;
}

/** The flow in progress; like every member named with a trailing `_`, never seen outside. */
interface ActiveFlow {
  /** The request, its mode and `returnTo` resolved. */
  request_: AuthorizationRequest & { mode: FlowMode };
  popup_: PopupWindow | undefined;
  record_?: StoredFlow;
  authorizationUrl_?: string;
  settled_?: boolean;
  /** Set once a popup_closed cancel was reported: only a late success may follow it. */
  cancelReported_?: boolean;
  cleanups_: (() => void)[];
}

let popupCounter = 0;

/** Only these fields travel on: whatever else the BFF adds stays out of events. */
function toSuccessDetail(session: ConnectedSession, renewed: boolean): SuccessDetail {
  return {
    sessionHandle: session.sessionHandle,
    sessionId: session.id,
    aspsp: session.aspsp,
    expiresAt: session.expiresAt,
    renewed,
  };
}

/**
 * Runs one OAuth 2.0 authorization-code flow with PKCE (RFC 6749 §4.1, RFC 7636) through the BFF,
 * by popup or by redirect, and completes flows that come back through the page's fragment. The
 * element reaches it through `AuthorizationController`, which loads this module when a bank is
 * chosen; its methods end in `_` so that the build shortens them across the two chunks.
 */
export class AuthorizationFlow {
  #listener: AuthorizationListener;
  #flow: ActiveFlow | undefined;

  constructor(listener: AuthorizationListener) {
    this.#listener = listener;
  }

  /** Closes the bank window and drops listeners: the element left the page. */
  close_(): void {
    this.#flow?.popup_?.close();
    this.#dispose();
  }

  /**
   * Starts a flow. Call it synchronously from the click handler: in popup mode the window opens
   * before the first `await`, which is what popup blockers require. A flow still in progress
   * ends here, its window with it.
   */
  start_(request: AuthorizationRequest): void {
    const mode: FlowMode =
      request.mode === 'popup' || request.mode === 'redirect'
        ? request.mode
        : preferRedirect()
          ? 'redirect'
          : 'popup';
    let popup: PopupWindow | undefined;
    if (mode === 'popup') {
      popup = PopupWindow.open(`bank-connect-${++popupCounter}`);
      if (!popup) {
        this.#listener.onStep_('popup_blocked');
        this.#listener.onPopupBlocked_();
        return;
      }
    }
    this.close_();
    const resolved = { ...request, mode, returnTo: request.returnTo || currentPageUrl() };
    const flow: ActiveFlow = { request_: resolved, popup_: popup, cleanups_: [] };
    this.#flow = flow;
    void this.#begin(flow);
  }

  /** Brings the bank window back, or reopens it at the bank if it was closed. */
  reopen_(): void {
    const flow = this.#flow;
    if (!flow?.popup_ || !flow.authorizationUrl_) return;
    this.#listener.onStep_('bank_window_reopened');
    if (!flow.popup_.closed) {
      flow.popup_.focus();
      return;
    }
    const popup = PopupWindow.open(flow.popup_.target_);
    if (!popup) {
      this.#listener.onPopupBlocked_();
      return;
    }
    flow.popup_ = popup;
    popup.navigate_(flow.authorizationUrl_);
    this.#watch(flow);
  }

  /** The customer gives up: the window closes and the flow is forgotten. */
  cancel_(): void {
    const flow = this.#flow;
    if (!flow || flow.settled_) return;
    flow.popup_?.close();
    if (flow.record_) deleteFlow(flow.record_.flowId);
    this.#dispose();
    this.#listener.onCancelled_('user');
  }

  /**
   * Completes a flow whose result came back in the fragment (redirect mode, or a popup that lost
   * its opener). Only one instance per window takes it; reloading half-way is harmless because
   * the BFF completes idempotently for the same verifier.
   */
  async resume_(client: BffClient, returned: ReturnedFlow, sessionHandle: string | undefined) {
    if (!claimFlow(returned.flowId)) return false;
    this.#listener.onStep_('resume');
    const record = loadFlow(returned.flowId);
    if (!record) {
      clearReturnedFlow();
      this.#listener.onFailed_(
        new BankConnectError(
          'FLOW_EXPIRED',
          'the returned flow is unknown to this browser or expired',
        ),
      );
      return true;
    }
    this.#listener.onCompleting_();
    await this.#finish(client, record, returned.response, sessionHandle, true);
    clearReturnedFlow();
    return true;
  }

  async #begin(flow: ActiveFlow): Promise<void> {
    const request = flow.request_;
    try {
      pruneFlows();
      const secrets = await createAuthorizationSecrets();
      const created = await createFlow(
        request.client,
        {
          aspsp: request.aspsp,
          scopes: request.scopes,
          state: secrets.state,
          codeChallenge: secrets.codeChallenge,
          codeChallengeMethod: 'S256',
          mode: request.mode,
          returnTo: request.returnTo,
        },
        request.sessionHandle,
      );
      if (this.#flow !== flow) return;
      const record: StoredFlow = {
        version: 1,
        flowId: created.flowId,
        state: secrets.state,
        codeVerifier: secrets.codeVerifier,
        issuer: created.issuer,
        issParameterSupported: created.issParameterSupported,
        expiresAt: created.expiresAt,
        reconnect: request.sessionHandle !== undefined,
      };
      flow.record_ = record;
      flow.authorizationUrl_ = created.authorizationUrl;
      saveFlow(record);
      flow.cleanups_.push(
        subscribeToResult(record.flowId, (message) => void this.#handleResult(flow, message)),
      );
      if (flow.popup_) {
        if (flow.popup_.closed) {
          this.#settleCancelled(flow, 'popup_closed');
          return;
        }
        flow.popup_.navigate_(created.authorizationUrl);
        this.#watch(flow);
        this.#listener.onStep_('open_bank_window');
        this.#listener.onWaiting_('popup');
      } else {
        this.#listener.onStep_('handoff');
        this.#listener.onWaiting_('redirect');
        navigation.assign(created.authorizationUrl);
      }
    } catch (error) {
      if (this.#flow !== flow) return;
      flow.popup_?.close();
      flow.settled_ = true;
      if (flow.record_) deleteFlow(flow.record_.flowId);
      this.#dispose();
      this.#listener.onFailed_(toBankConnectError(error));
    }
  }

  #watch(flow: ActiveFlow): void {
    const { popup_: popup, record_: record } = flow;
    if (!popup || !record) return;
    flow.cleanups_.push(
      subscribeToCallback({
        flowId: record.flowId,
        origin: flow.request_.client.origin,
        source: popup.window,
        onResponse: (response) => {
          if (flow.settled_ || this.#flow !== flow) return;
          popup.close();
          this.#listener.onCompleting_();
          void this.#finish(
            flow.request_.client,
            record,
            response,
            flow.request_.sessionHandle,
            false,
          );
        },
      }),
    );
    popup.watchClosed_(() => {
      if (flow.settled_ || this.#flow !== flow) return;
      this.#listener.onStep_('bank_window_closed');
      this.#settleCancelled(flow, 'popup_closed');
    });
  }

  async #finish(
    client: BffClient,
    record: StoredFlow,
    response: URLSearchParams,
    sessionHandle: string | undefined,
    publish: boolean,
  ): Promise<void> {
    const flow = this.#flow?.record_?.flowId === record.flowId ? this.#flow : undefined;
    if (flow) flow.settled_ = true;
    let result: FlowOutcome;
    let session: SuccessDetail | undefined;
    let failure: BankConnectError | undefined;
    try {
      const outcome = validateCallback(response, record);
      if (outcome.kind === 'denied') {
        result = { outcome: 'cancelled' };
      } else {
        const handle = record.reconnect ? sessionHandle : undefined;
        const completed = await completeFlow(client, record.flowId, outcome.request, handle);
        session = toSuccessDetail(completed, handle !== undefined);
        result = { outcome: 'connected' };
      }
    } catch (error) {
      failure = toBankConnectError(error);
      result = { outcome: 'failed', code: failure.code };
    }
    deleteFlow(record.flowId);
    if (publish) publishResult(record.flowId, result);
    this.#dispose();
    this.#report(session, failure);
  }

  /*
   * Another tab finished our flow (the popup lost its opener and landed on the partner page, or
   * the customer finished in a new tab). A cancel or a failure is taken as told: it carries
   * nothing. A success is not: any script of the origin can post on the channel, so this page asks
   * the BFF for the session, with the verifier only it holds and a proof of its own key, and
   * reports what the BFF answers. A success the BFF does not know yet (a message ahead of the
   * completion, or a forged one) leaves the flow waiting. A late success is taken even after a
   * popup_closed cancel: with a COOP bank page, `popup.closed` reads true while the customer is
   * still there.
   */
  async #handleResult(flow: ActiveFlow, result: FlowOutcome): Promise<void> {
    const record = flow.record_;
    if (this.#flow !== flow || flow.settled_ || !record) return;
    let session: SuccessDetail | undefined;
    let failure: BankConnectError | undefined;
    if (result.outcome === 'connected') {
      try {
        const completed = await fetchFlowResult(
          flow.request_.client,
          record.flowId,
          record.codeVerifier,
        );
        session = toSuccessDetail(completed, record.reconnect);
      } catch (error) {
        failure = toBankConnectError(error);
        if (failure.code === 'FLOW_NOT_COMPLETED') return;
      }
      if (this.#flow !== flow || flow.settled_) return;
    } else if (result.outcome === 'failed') {
      failure = new BankConnectError(
        'BANK_ERROR',
        `the flow failed in another tab (${result.code})`,
      );
    }
    flow.popup_?.close();
    this.#dispose();
    if (!flow.cancelReported_ || result.outcome === 'connected') this.#report(session, failure);
  }

  /** Tells the host how a flow ended: connected with `session`, failed, or else denied at the bank. */
  #report(session?: SuccessDetail, failure?: BankConnectError): void {
    if (session) {
      this.#listener.onStep_('complete');
      this.#listener.onConnected_(session);
    } else if (failure) {
      this.#listener.onFailed_(failure);
    } else {
      this.#listener.onCancelled_('bank_denied');
    }
  }

  #settleCancelled(flow: ActiveFlow, reason: CancelReason): void {
    flow.popup_?.stopWatching_();
    flow.cancelReported_ = true;
    // Keep the result subscription and the stored flow: a late result may still come (see above).
    this.#listener.onCancelled_(reason);
  }

  #dispose(): void {
    const flow = this.#flow;
    if (!flow) return;
    flow.popup_?.stopWatching_();
    for (const cleanup of flow.cleanups_) cleanup();
    flow.cleanups_ = [];
    this.#flow = undefined;
  }
}
