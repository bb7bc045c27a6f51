import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { BffClient } from '../bff-client.js';
import { BankConnectError } from '../errors.js';
import type {
  AuthorizationFlow,
  AuthorizationListener,
  AuthorizationRequest,
} from './authorization-flow.js';
import { flowModule } from './load-flow.js';
import { PopupWindow } from './popup-window.js';
import type { ReturnedFlow } from './redirect.js';

export type { AuthorizationListener, AuthorizationRequest } from './authorization-flow.js';

let popupCounter = 0;

/**
 * The element's side of the authorization: opens the bank window in the click handler, where
 * popup blockers allow it, and hands it to `AuthorizationFlow` once that module is loaded.
 */
export class AuthorizationController implements ReactiveController {
  #listener: AuthorizationListener;
  #loading: Promise<AuthorizationFlow> | undefined;
  #flow: AuthorizationFlow | undefined;
  /**
   * Counts starts and disconnections. A start whose module arrives after a newer start, or after
   * the element left the page, closes its window instead of going on.
   */
  #attempt = 0;

  constructor(host: ReactiveControllerHost, listener: AuthorizationListener) {
    this.#listener = listener;
    host.addController(this);
  }

  /** Closes the bank window and drops listeners when the element leaves the page. */
  hostDisconnected(): void {
    this.#attempt += 1;
    this.#flow?.close_();
  }

  /** Fetches the flow module while the customer reads the consent; `start` reports a failure. */
  preload(): void {
    this.#load().catch(() => undefined);
  }

  /**
   * Starts a flow. Call it synchronously from the click handler: the popup is opened before the
   * first `await`, which is what popup blockers require.
   */
  start(request: AuthorizationRequest): void {
    const attempt = ++this.#attempt;
    let popup: PopupWindow | undefined;
    if (request.mode === 'popup') {
      popup = PopupWindow.open(`bank-connect-${++popupCounter}`);
      if (!popup) {
        this.#listener.onStep_('popup_blocked');
        this.#listener.onPopupBlocked_();
        return;
      }
    }
    this.#load().then(
      (flow) => (attempt === this.#attempt ? flow.start_(request, popup) : popup?.close()),
      (error: unknown) => {
        popup?.close();
        if (attempt === this.#attempt) this.#listener.onFailed_(loadError(error));
      },
    );
  }

  /** The flow in progress, once its module is loaded: reopening and cancelling go to it. */
  get flow(): AuthorizationFlow | undefined {
    return this.#flow;
  }

  /**
   * Completes a flow whose result came back in the fragment; `false` when another instance of
   * this window took it.
   */
  resume(
    client: BffClient,
    returned: ReturnedFlow,
    sessionHandle: string | undefined,
  ): Promise<boolean> {
    return this.#load().then(
      (flow) => flow.resume_(client, returned, sessionHandle),
      (error: unknown) => {
        this.#listener.onFailed_(loadError(error));
        return true;
      },
    );
  }

  /** One module load per element; a failed one is forgotten, so that a retry fetches again. */
  #load(): Promise<AuthorizationFlow> {
    this.#loading ??= flowModule.load().then(
      (module) => (this.#flow = new module.AuthorizationFlow(this.#listener)),
      (error: unknown) => {
        this.#loading = undefined;
        throw error;
      },
    );
    return this.#loading;
  }
}

function loadError(cause: unknown): BankConnectError {
  return new BankConnectError('SCRIPT_LOAD_FAILED', 'the authorization code could not be loaded', {
    cause,
  });
}
