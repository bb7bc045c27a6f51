import '../../../widget/define.js';
import type { BankConnect } from '../../../widget/bank-connect.js';
import type { ConnectedSession } from '../../../widget/contract.js';
import { dpopState } from '../../../widget/dpop/dpop-key.js';
import { fetchWithDpop } from '../../../widget/dpop/dpop-fetch.js';
import type { BankConnectEventMap } from '../../../widget/events.js';

type EventName = keyof BankConnectEventMap;
type DetailOf<K extends EventName> =
  BankConnectEventMap[K] extends CustomEvent<infer D> ? D : never;

const EVENT_NAMES: EventName[] = [
  'bank-connect-success',
  'bank-connect-cancel',
  'bank-connect-error',
  'bank-connect-step',
];

/** Fake secrets the stub BFF plants in its answers (see stub-bff.ts). */
export const FAKE_SECRETS = ['FAKE-ACCESS-TOKEN-7f3a', 'FAKE-REFRESH-TOKEN-91bc'];

/** A stub BFF base URL whose tag picks a scenario; a random suffix keeps tests apart. */
export function stubBff(scenario = 'ok'): string {
  return `${location.origin}/stub-bff/${scenario}.${Math.random().toString(36).slice(2, 8)}/`;
}

/** Records every event of an element from its creation, and waits on them without sleeping. */
export class EventRecorder {
  readonly events: CustomEvent[] = [];
  private readonly consumed = new Set<CustomEvent>();
  private waiters: {
    name: string;
    match: (event: CustomEvent) => boolean;
    resolve: (event: CustomEvent) => void;
  }[] = [];

  constructor(target: EventTarget) {
    for (const name of EVENT_NAMES)
      target.addEventListener(name, (event) => this.record(event as CustomEvent));
  }

  /** All recorded events of one name. */
  of<K extends EventName>(name: K): DetailOf<K>[] {
    return this.events
      .filter((event) => event.type === name)
      .map((event) => event.detail as DetailOf<K>);
  }

  /** The first not-yet-awaited event of that name (past or future) that matches. */
  wait<K extends EventName>(
    name: K,
    match: (detail: DetailOf<K>) => boolean = () => true,
  ): Promise<DetailOf<K>> {
    const test = (event: CustomEvent) => event.type === name && match(event.detail as DetailOf<K>);
    const found = this.events.find((event) => !this.consumed.has(event) && test(event));
    if (found) {
      this.consumed.add(found);
      return Promise.resolve(found.detail as DetailOf<K>);
    }
    return new Promise((resolve) => {
      this.waiters.push({
        name,
        match: test,
        resolve: (event) => resolve(event.detail as DetailOf<K>),
      });
    });
  }

  /** Resolves on the given step event. */
  step(step: string): Promise<unknown> {
    return this.wait('bank-connect-step', (detail) => detail.step === step);
  }

  private record(event: CustomEvent): void {
    this.events.push(event);
    const waiter = this.waiters.find((candidate) => candidate.match(event));
    if (waiter) {
      this.consumed.add(event);
      this.waiters = this.waiters.filter((candidate) => candidate !== waiter);
      waiter.resolve(event);
    }
  }
}

const mounted: HTMLElement[] = [];

/** Creates a `<bank-connect>` with attributes, recording its events from the very start. */
export async function mount(
  attributes: Record<string, string>,
): Promise<{ el: BankConnect; events: EventRecorder }> {
  const el = document.createElement('bank-connect');
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, value);
  const events = new EventRecorder(el);
  const container = document.createElement('div');
  container.append(el);
  document.body.append(container);
  mounted.push(container);
  await el.updateComplete;
  return { el, events };
}

/** Removes every mounted element (and so closes their popups). */
export function unmountAll(): void {
  for (const container of mounted.splice(0)) container.remove();
}

/** Shorthand for a query in the element's shadow root. */
export function $(el: BankConnect, selector: string): HTMLElement {
  const found = el.shadowRoot?.querySelector<HTMLElement>(selector);
  if (!found) throw new Error(`nothing matches ${selector} in the shadow root`);
  return found;
}

/** All buttons of the current view, by their text. */
export function button(el: BankConnect, text: string | RegExp): HTMLButtonElement {
  const buttons = [...(el.shadowRoot?.querySelectorAll('button') ?? [])];
  const found = buttons.find((candidate) =>
    typeof text === 'string'
      ? candidate.textContent?.trim() === text
      : text.test(candidate.textContent ?? ''),
  );
  if (!found) throw new Error(`no button ${String(text)}`);
  return found;
}

/** Types into the bank search the way an input event would report it. */
export async function typeSearch(el: BankConnect, text: string): Promise<void> {
  const input = $(el, '#bank-search') as HTMLInputElement;
  input.value = text;
  input.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
  await el.updateComplete;
}

/** The names shown in the bank list, in order. */
export function optionNames(el: BankConnect): string[] {
  return [...(el.shadowRoot?.querySelectorAll('[role="option"] .name') ?? [])].map(
    (node) => node.textContent?.trim() ?? '',
  );
}

/** Picks a bank from the list by clicking its option, and waits for the consent view. */
export async function chooseBank(
  el: BankConnect,
  events: EventRecorder,
  name: string,
): Promise<void> {
  await events.step('open');
  await el.updateComplete;
  await typeSearch(el, name);
  $(el, '[role="option"]').click();
  await events.step('select_bank');
  await el.updateComplete;
}

/** Replaces `window.open` for one test, recording the popups it opened; returns the restore. */
export function spyOnWindowOpen(replacement?: () => Window | null): {
  popups: Window[];
  restore: () => void;
} {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- put back untouched after the test
  const original = window.open;
  const popups: Window[] = [];
  window.open = (...args: Parameters<typeof window.open>) => {
    const popup = replacement ? replacement() : original.apply(window, args);
    if (popup) popups.push(popup);
    return popup;
  };
  return {
    popups,
    restore: () => {
      window.open = original;
      for (const popup of popups) if (!popup.closed) popup.close();
    },
  };
}

/** What the stub BFF recorded for the last flow of a tag (test-only endpoint). */
export async function lastFlow(
  bff: string,
): Promise<{ flowId: string; state: string; issuer: string; code: string }> {
  const response = await fetch(new URL('_test/last-flow', bff));
  return (await response.json()) as { flowId: string; state: string; issuer: string; code: string };
}

/** A proof the stub BFF accepted (see `RecordedProof` in stub-bff.ts). */
export interface AcceptedProof {
  method: string;
  route: string;
  authorization: string;
  header: { typ?: unknown; alg?: unknown; jwk?: Record<string, unknown> };
  payload: Record<string, unknown>;
  jkt: string;
}

/** Every DPoP proof the stub BFF accepted for this tag, in order. */
export async function acceptedProofs(bff: string): Promise<AcceptedProof[]> {
  return (await (await fetch(new URL('_test/proofs', bff))).json()) as AcceptedProof[];
}

/** Resolves once the stub BFF has accepted `count` proofs for this tag: no timer involved. */
export async function waitForProofs(bff: string, count: number): Promise<AcceptedProof[]> {
  const url = new URL(`_test/wait-proofs?count=${count}`, bff);
  return (await (await fetch(url)).json()) as AcceptedProof[];
}

/** The PKCE verifier this browser stored for a flow it started. */
export function storedVerifier(flowId: string): string {
  const stored = JSON.parse(localStorage.getItem(`bank-connect:flow:${flowId}`) ?? '{}') as {
    codeVerifier?: string;
  };
  if (!stored.codeVerifier) throw new Error(`no stored flow ${flowId}`);
  return stored.codeVerifier;
}

/**
 * Completes a flow the way another tab of this origin would: `POST /v1/flows/{id}/complete` with
 * the stored verifier and a proof of this origin's key (the one IndexedDB holds for every tab).
 */
export async function completeInAnotherTab(
  bff: string,
  flow: { flowId: string; state: string; issuer: string; code: string },
): Promise<ConnectedSession> {
  const response = await fetchWithDpop(new URL(`v1/flows/${flow.flowId}/complete`, bff), {
    method: 'POST',
    headers: { 'X-Bank-Connect': '1', 'Content-Type': 'application/json' },
    body: JSON.stringify({
      code: flow.code,
      state: flow.state,
      iss: flow.issuer,
      codeVerifier: storedVerifier(flow.flowId),
    }),
  });
  if (!response.ok) throw new Error(`complete answered ${response.status}`);
  return (await response.json()) as ConnectedSession;
}

/**
 * Runs `work` with another DPoP key than this origin's, as a browser whose storage lost the key
 * (or an attacker's) would sign; the page's own key is back afterwards.
 */
export async function withAnotherKey<T>(work: () => Promise<T>): Promise<T> {
  const state = dpopState();
  const own = state.key;
  state.key = crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  try {
    return await work();
  } finally {
    state.key = own;
  }
}

/** RFC 7638: the SHA-256 thumbprint of an EC public JWK, base64url. */
export async function thumbprintOf(jwk: Record<string, unknown>): Promise<string> {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical));
  return btoa(String.fromCharCode(...new Uint8Array(digest)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}
