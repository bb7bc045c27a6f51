import type { CallbackMessage } from '../../backend-for-frontend/api-types.js';
import type { SuccessDetail } from '../events.js';

/** Name of the same-origin channel that tells the starting tab how its flow ended. */
export const CHANNEL_NAME = 'bank-connect';

/** How a flow ended, as broadcast between tabs: ids and the session handle, never a code. */
export type FlowResultMessage =
  | {
      type: 'bank-connect:flow-result';
      flowId: string;
      outcome: 'connected';
      session: SuccessDetail;
    }
  | { type: 'bank-connect:flow-result'; flowId: string; outcome: 'cancelled' }
  | { type: 'bank-connect:flow-result'; flowId: string; outcome: 'failed'; code: string };

/** A flow waiting for its popup's `postMessage`. */
export interface CallbackSubscription {
  flowId: string;
  /** Exact origin the message must come from: the BFF's. */
  origin: string;
  /** The popup the message must come from. */
  source: Window;
  onResponse(response: URLSearchParams): void;
}

interface Relay {
  callbacks: Map<string, CallbackSubscription>;
  results: Map<string, Set<(message: FlowResultMessage) => void>>;
  claimed: Set<string>;
  channel: BroadcastChannel | undefined;
  listening: boolean;
}

/*
 * One relay per window, kept on globalThis under a registered symbol: a second copy of the script
 * finds the first one's relay, so one `message` listener and one channel serve every instance.
 */
const RELAY_KEY = Symbol.for('bank-connect.relay.v1');

function relay(): Relay {
  const holder = globalThis as typeof globalThis & { [RELAY_KEY]?: Relay };
  holder[RELAY_KEY] ??= {
    callbacks: new Map(),
    results: new Map(),
    claimed: new Set(),
    channel: undefined,
    listening: false,
  };
  return holder[RELAY_KEY];
}

function isCallbackMessage(data: unknown): data is CallbackMessage {
  const message = data as Partial<CallbackMessage> | null;
  return (
    typeof message === 'object' &&
    message !== null &&
    message.type === 'bank-connect:callback' &&
    typeof message.flowId === 'string' &&
    typeof message.response === 'string'
  );
}

function isFlowResult(data: unknown): data is FlowResultMessage {
  const message = data as Partial<FlowResultMessage> | null;
  return (
    typeof message === 'object' &&
    message !== null &&
    message.type === 'bank-connect:flow-result' &&
    typeof message.flowId === 'string' &&
    (message.outcome === 'connected' ||
      message.outcome === 'cancelled' ||
      message.outcome === 'failed')
  );
}

/*
 * OWASP HTML5 / RFC 9700 §4.18: a callback counts only if it comes from exactly the BFF's origin,
 * from the very popup we opened, for a flow we are waiting for. Anything else is dropped silently.
 */
function handleMessage(event: MessageEvent): void {
  if (!isCallbackMessage(event.data)) return;
  const subscription = relay().callbacks.get(event.data.flowId);
  if (!subscription) return;
  if (event.origin !== subscription.origin || event.source !== subscription.source) return;
  relay().callbacks.delete(event.data.flowId);
  subscription.onResponse(new URLSearchParams(event.data.response));
}

function dispatchResult(data: unknown): void {
  if (!isFlowResult(data)) return;
  for (const listener of relay().results.get(data.flowId) ?? []) listener(data);
}

function ensureListening(): void {
  const state = relay();
  if (state.listening) return;
  state.listening = true;
  globalThis.addEventListener('message', handleMessage);
  if (typeof BroadcastChannel === 'function') {
    state.channel = new BroadcastChannel(CHANNEL_NAME);
    state.channel.addEventListener('message', (event: MessageEvent) => dispatchResult(event.data));
  }
}

/** Waits for the popup callback of one flow; returns the unsubscribe function. */
export function subscribeToCallback(subscription: CallbackSubscription): () => void {
  ensureListening();
  relay().callbacks.set(subscription.flowId, subscription);
  return () => {
    if (relay().callbacks.get(subscription.flowId) === subscription) {
      relay().callbacks.delete(subscription.flowId);
    }
  };
}

/** Listens for the outcome of a flow finished by another tab or instance; returns the unsubscribe. */
export function subscribeToResult(
  flowId: string,
  listener: (message: FlowResultMessage) => void,
): () => void {
  ensureListening();
  const listeners = relay().results.get(flowId) ?? new Set();
  listeners.add(listener);
  relay().results.set(flowId, listeners);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) relay().results.delete(flowId);
  };
}

/** Tells every tab of this origin (and the other instances of this window) how a flow ended. */
export function publishResult(message: FlowResultMessage): void {
  ensureListening();
  relay().channel?.postMessage(message);
  dispatchResult(message);
}

/** Lets exactly one instance per window take a returned flow, however many are on the page. */
export function claimFlow(flowId: string): boolean {
  const { claimed } = relay();
  if (claimed.has(flowId)) return false;
  claimed.add(flowId);
  return true;
}
