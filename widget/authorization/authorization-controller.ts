import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { BffClient } from '../bff-client.js';
import { BankConnectError } from '../errors.js';
import { catalogues } from '../locales/translate.js';
import type { AuthorizationFlow, AuthorizationListener } from './authorization-flow.js';
import { flowModule } from './load-flow.js';
import type { ReturnedFlow } from './returned-flow.js';

export type { AuthorizationListener, AuthorizationRequest } from './authorization-flow.js';

/**
 * The element's side of the authorization: fetches the consent chunk (the flow, and the French
 * messages of the consent and what follows) once per element, and closes the bank window when
 * the element leaves the page. The element shows the consent only once the chunk is there, so
 * that its button starts the flow, popup included, synchronously in the click.
 */
export class AuthorizationController implements ReactiveController {
  #listener: AuthorizationListener;
  #loading: Promise<AuthorizationFlow> | undefined;
  #flow: AuthorizationFlow | undefined;

  constructor(host: ReactiveControllerHost, listener: AuthorizationListener) {
    this.#listener = listener;
    host.addController(this);
  }

  /** Closes the bank window and drops listeners when the element leaves the page. */
  hostDisconnected(): void {
    this.#flow?.close_();
  }

  /** The flow, once its chunk is loaded: starting, reopening and cancelling go to it. */
  get flow(): AuthorizationFlow | undefined {
    return this.#flow;
  }

  /**
   * Fetches the consent chunk, once. A failure is a retryable `SCRIPT_LOAD_FAILED`, and is
   * forgotten, so that a retry fetches again.
   */
  load(): Promise<AuthorizationFlow> {
    this.#loading ??= flowModule.load().then(
      (module) => {
        Object.assign(catalogues.loaded.fr, module.frConsent);
        return (this.#flow = new module.AuthorizationFlow(this.#listener));
      },
      (cause: unknown) => {
        this.#loading = undefined;
        throw new BankConnectError(
          'SCRIPT_LOAD_FAILED',
          'the authorization code could not be loaded',
          { cause },
        );
      },
    );
    return this.#loading;
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
    return this.load().then(
      (flow) => flow.resume_(client, returned, sessionHandle),
      (error: BankConnectError) => {
        this.#listener.onFailed_(error);
        return true;
      },
    );
  }
}
