import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type {
  BankScope,
  ConnectedSession,
  FlowMode,
} from '../../backend-for-frontend/api-types.js';
import type { BffClient } from '../bff-client.js';
import { BankConnectError, toBankConnectError } from '../errors.js';
import type { CancelReason, StepName, SuccessDetail } from '../events.js';
import {
  claimFlow,
  publishResult,
  subscribeToCallback,
  subscribeToResult,
  type FlowResultMessage,
} from './callback-relay.js';
import { deleteFlow, loadFlow, pruneFlows, saveFlow, type StoredFlow } from './flow-storage.js';
import { PopupWindow } from './popup-window.js';
import { clearReturnedFlow, navigation, type ReturnedFlow } from './redirect.js';
import { createAuthorizationSecrets } from './secrets.js';
import { validateCallback } from './validate-callback.js';

/** What the controller tells its host; the host turns these into views and events. */
export interface AuthorizationListener {
  onStep(step: StepName): void;
  /** The popup is at the bank, or the page is leaving for it. */
  onWaiting(mode: FlowMode): void;
  onPopupBlocked(): void;
  onCompleting(): void;
  onConnected(session: SuccessDetail): void;
  onCancelled(reason: CancelReason): void;
  onFailed(error: BankConnectError): void;
}

/** Everything one authorization needs. */
export interface AuthorizationRequest {
  client: BffClient;
  aspsp: string;
  scopes: BankScope[];
  mode: FlowMode;
  returnTo: string;
  /** For a reconnect: the existing handle, sent as a bearer token to the BFF only. */
  sessionHandle: string | undefined;
}

interface ActiveFlow {
  request: AuthorizationRequest;
  popup: PopupWindow | undefined;
  record: StoredFlow | undefined;
  authorizationUrl: string | undefined;
  settled: boolean;
  /** Set once a popup_closed cancel was reported: only a late success may follow it. */
  cancelReported: boolean;
  cleanups: (() => void)[];
}

let popupCounter = 0;

/**
 * Runs one OAuth 2.0 authorization-code flow with PKCE (RFC 6749 §4.1, RFC 7636) through the BFF,
 * by popup or by redirect, and completes flows that come back through the page's fragment.
 */
export class AuthorizationController implements ReactiveController {
  #listener: AuthorizationListener;
  #flow: ActiveFlow | undefined;

  constructor(host: ReactiveControllerHost, listener: AuthorizationListener) {
    this.#listener = listener;
    host.addController(this);
  }

  /** Closes the bank window and drops listeners when the element leaves the page. */
  hostDisconnected(): void {
    this.#flow?.popup?.close();
    this.#dispose();
  }

  /** Whether a popup flow could be reopened. */
  get hasPopup(): boolean {
    return this.#flow?.popup !== undefined;
  }

  /**
   * Starts a flow. Call it synchronously from the click handler: the popup is opened before the
   * first `await`, which is what popup blockers require.
   */
  start(request: AuthorizationRequest): void {
    this.#dispose();
    let popup: PopupWindow | undefined;
    if (request.mode === 'popup') {
      popupCounter += 1;
      popup = PopupWindow.open(`bank-connect-${popupCounter}`);
      if (!popup) {
        this.#listener.onStep('popup_blocked');
        this.#listener.onPopupBlocked();
        return;
      }
    }
    const flow: ActiveFlow = {
      request,
      popup,
      record: undefined,
      authorizationUrl: undefined,
      settled: false,
      cancelReported: false,
      cleanups: [],
    };
    this.#flow = flow;
    void this.#begin(flow);
  }

  /** Brings the bank window back, or reopens it at the bank if it was closed. */
  reopen(): void {
    const flow = this.#flow;
    if (!flow?.popup || !flow.authorizationUrl) return;
    this.#listener.onStep('bank_window_reopened');
    if (!flow.popup.closed) {
      flow.popup.focus();
      return;
    }
    const popup = PopupWindow.open(flow.popup.target);
    if (!popup) {
      this.#listener.onPopupBlocked();
      return;
    }
    flow.popup = popup;
    popup.navigate(flow.authorizationUrl);
    this.#watch(flow);
  }

  /** The customer gives up: the window closes and the flow is forgotten. */
  cancel(): void {
    const flow = this.#flow;
    if (!flow || flow.settled) return;
    flow.popup?.close();
    if (flow.record) deleteFlow(flow.record.flowId);
    this.#dispose();
    this.#listener.onCancelled('user');
  }

  /**
   * Completes a flow whose result came back in the fragment (redirect mode, or a popup that lost
   * its opener). Only one instance per window takes it; reloading half-way is harmless because
   * the BFF completes idempotently for the same verifier.
   */
  async resume(client: BffClient, returned: ReturnedFlow, sessionHandle: string | undefined) {
    if (!claimFlow(returned.flowId)) return false;
    this.#listener.onStep('resume');
    const record = loadFlow(returned.flowId);
    if (!record) {
      clearReturnedFlow();
      this.#listener.onFailed(
        new BankConnectError(
          'FLOW_EXPIRED',
          'the returned flow is unknown to this browser or expired',
        ),
      );
      return true;
    }
    this.#listener.onCompleting();
    await this.#finish(client, record, returned.response, sessionHandle, true);
    clearReturnedFlow();
    return true;
  }

  async #begin(flow: ActiveFlow): Promise<void> {
    const { request } = flow;
    try {
      pruneFlows();
      const secrets = await createAuthorizationSecrets();
      const created = await request.client.createFlow(
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
        aspsp: request.aspsp,
        state: secrets.state,
        codeVerifier: secrets.codeVerifier,
        issuer: created.issuer,
        issParameterSupported: created.issParameterSupported,
        expiresAt: created.expiresAt,
        mode: request.mode,
        reconnect: request.sessionHandle !== undefined,
      };
      flow.record = record;
      flow.authorizationUrl = created.authorizationUrl;
      saveFlow(record);
      flow.cleanups.push(
        subscribeToResult(record.flowId, (message) => this.#handleResult(flow, message)),
      );
      if (flow.popup) {
        if (flow.popup.closed) {
          this.#settleCancelled(flow, 'popup_closed');
          return;
        }
        flow.popup.navigate(created.authorizationUrl);
        this.#watch(flow);
        this.#listener.onStep('open_bank_window');
        this.#listener.onWaiting('popup');
      } else {
        this.#listener.onStep('handoff');
        this.#listener.onWaiting('redirect');
        navigation.assign(created.authorizationUrl);
      }
    } catch (error) {
      if (this.#flow !== flow) return;
      flow.popup?.close();
      this.#settleFailed(flow, toBankConnectError(error));
    }
  }

  #watch(flow: ActiveFlow): void {
    const { popup, record } = flow;
    if (!popup || !record) return;
    flow.cleanups.push(
      subscribeToCallback({
        flowId: record.flowId,
        origin: flow.request.client.origin,
        source: popup.window,
        onResponse: (response) => {
          if (flow.settled || this.#flow !== flow) return;
          popup.close();
          this.#listener.onCompleting();
          void this.#finish(
            flow.request.client,
            record,
            response,
            flow.request.sessionHandle,
            false,
          );
        },
      }),
    );
    popup.watchClosed(() => {
      if (flow.settled || this.#flow !== flow) return;
      this.#listener.onStep('bank_window_closed');
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
    const flow = this.#flow?.record?.flowId === record.flowId ? this.#flow : undefined;
    if (flow) flow.settled = true;
    try {
      const outcome = validateCallback(response, record);
      if (outcome.kind === 'denied') {
        deleteFlow(record.flowId);
        if (publish)
          publishResult({
            type: 'bank-connect:flow-result',
            flowId: record.flowId,
            outcome: 'cancelled',
          });
        this.#dispose();
        this.#listener.onCancelled('bank_denied');
        return;
      }
      const handle = record.reconnect ? sessionHandle : undefined;
      const session: ConnectedSession = await client.completeFlow(
        record.flowId,
        outcome.request,
        handle,
      );
      deleteFlow(record.flowId);
      const detail: SuccessDetail = {
        sessionHandle: session.sessionHandle,
        aspsp: session.aspsp,
        expiresAt: session.expiresAt,
      };
      if (publish)
        publishResult({
          type: 'bank-connect:flow-result',
          flowId: record.flowId,
          outcome: 'connected',
          session: detail,
        });
      this.#dispose();
      this.#listener.onStep('complete');
      this.#listener.onConnected(detail);
    } catch (error) {
      const failure = toBankConnectError(error);
      deleteFlow(record.flowId);
      if (publish)
        publishResult({
          type: 'bank-connect:flow-result',
          flowId: record.flowId,
          outcome: 'failed',
          code: failure.code,
        });
      this.#dispose();
      this.#listener.onFailed(failure);
    }
  }

  /*
   * Another tab finished our flow (the popup lost its opener and landed on the partner page, or
   * the customer finished in a new tab). A late success is taken even after a popup_closed
   * cancel: with a COOP bank page, `popup.closed` reads true while the customer is still there.
   */
  #handleResult(flow: ActiveFlow, message: FlowResultMessage): void {
    if (this.#flow !== flow) return;
    flow.popup?.close();
    this.#dispose();
    if (flow.cancelReported && message.outcome !== 'connected') return;
    if (message.outcome === 'connected') {
      this.#listener.onStep('complete');
      this.#listener.onConnected(message.session);
    } else if (message.outcome === 'cancelled') {
      this.#listener.onCancelled('bank_denied');
    } else {
      this.#listener.onFailed(
        new BankConnectError('BANK_ERROR', `the flow failed in another tab (${message.code})`),
      );
    }
  }

  #settleCancelled(flow: ActiveFlow, reason: CancelReason): void {
    flow.popup?.stopWatching();
    flow.cancelReported = true;
    // Keep the result subscription and the stored flow: a late result may still come (see above).
    this.#listener.onCancelled(reason);
  }

  #settleFailed(flow: ActiveFlow, error: BankConnectError): void {
    flow.settled = true;
    if (flow.record) deleteFlow(flow.record.flowId);
    this.#dispose();
    this.#listener.onFailed(error);
  }

  #dispose(): void {
    const flow = this.#flow;
    if (!flow) return;
    flow.popup?.stopWatching();
    for (const cleanup of flow.cleanups) cleanup();
    flow.cleanups = [];
    this.#flow = undefined;
  }
}
