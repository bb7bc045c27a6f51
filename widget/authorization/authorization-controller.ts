import {
  nothing,
  type ReactiveController,
  type ReactiveControllerHost,
  type TemplateResult,
} from 'lit';
import type { BankConnectView } from '../bank-connect.js';
import type { BffClient } from '../bff-client.js';
import type { SessionInfo } from '../contract.js';
import { BankConnectError } from '../errors.js';
import { catalogues } from '../locales/translate.js';
import type { AuthorizationFlow, AuthorizationListener } from './authorization-flow.js';
import { flowModule } from './load-flow.js';
import type { ReturnedFlow } from './returned-flow.js';
import type { ConsentViewContext } from '../consent-views.js';

type ConsentModule = Awaited<ReturnType<typeof flowModule.load>>;

export type { AuthorizationListener, AuthorizationRequest } from './authorization-flow.js';

/**
 * The element's side of the authorization: fetches the consent chunk (the consent and the views
 * after it, their French messages, and the flow) once per element, and closes the bank window
 * when the element leaves the page. The element shows the consent only once the chunk is there,
 * so that its button starts the flow, popup included, synchronously in the click. Members
 * ending in `_` are internal: the build shortens their names (see vite.config.ts).
 */
export class AuthorizationController implements ReactiveController {
  #listener: AuthorizationListener;
  #loading: Promise<AuthorizationFlow> | undefined;
  #module: ConsentModule | undefined;
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
  get flow_(): AuthorizationFlow | undefined {
    return this.#flow;
  }

  /**
   * Fetches the consent chunk, once. A failure is a retryable `SCRIPT_LOAD_FAILED`, and is
   * forgotten, so that a retry fetches again.
   */
  load_(): Promise<AuthorizationFlow> {
    this.#loading ??= flowModule.load().then(
      (module) => {
        Object.assign(catalogues.loaded.fr, module.frConsent);
        this.#module = module;
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

  /** The body of a view of the consent chunk; nothing until the chunk is there. */
  render_(view: BankConnectView, context: ConsentViewContext): TemplateResult | typeof nothing {
    return this.#module && this.#flow
      ? this.#module.renderConsentView(view, context, this.#flow)
      : nothing;
  }

  /**
   * `GET /v1/session`, which needs the signer of the consent chunk: undefined when the handle
   * opens no session from this browser (see `readSession`).
   */
  readSession_(client: BffClient, sessionHandle?: string): Promise<SessionInfo | undefined> {
    return this.load_().then(() => this.#module!.readSession(client, sessionHandle));
  }

  /**
   * Completes a flow whose result came back in the fragment; `false` when another instance of
   * this window took it.
   */
  resume_(
    client: BffClient,
    returned: ReturnedFlow,
    sessionHandle: string | undefined,
  ): Promise<boolean> {
    return this.load_().then(
      (flow) => flow.resume_(client, returned, sessionHandle),
      (error: BankConnectError) => {
        this.#listener.onFailed_(error);
        return true;
      },
    );
  }
}
