import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { getState, subscribe, type DemoState } from './demo-state.js';
import { translate, type MessageKey } from './i18n.js';

/** Keeps a Lit element in step with the demo state, and translates in its current language. */
export class StoreController implements ReactiveController {
  /** The latest state; the host re-renders when it changes. */
  value: DemoState = getState();
  #host: ReactiveControllerHost;
  #stop: (() => void) | undefined;

  constructor(host: ReactiveControllerHost) {
    this.#host = host;
    host.addController(this);
  }

  hostConnected(): void {
    this.value = getState();
    this.#stop = subscribe((state) => {
      this.value = state;
      this.#host.requestUpdate();
    });
  }

  hostDisconnected(): void {
    this.#stop?.();
  }

  /** Translates a message in the page's current language. */
  t = (key: MessageKey, params?: Record<string, string | number>): string =>
    translate(this.value.lang, key, params);
}
