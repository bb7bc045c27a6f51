import '../../../widget/define.js';
import type { BankConnect } from '../../../widget/bank-connect.js';
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
