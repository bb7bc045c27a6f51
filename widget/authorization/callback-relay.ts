import type { CallbackMessage } from '../contract.js';

/** Name of the same-origin channel that tells the starting tab how its flow ended. */
export const CHANNEL_NAME = 'bank-connect';

/**
 * How a flow ended, as tabs tell each other: the outcome, and the error code of a failure. Never
 * a session handle, a session or a code: any script of the origin can post on the channel, so the
 * starting tab asks the BFF for the session of a `connected` flow (`POST /v1/flows/{id}/result`).
 */
export type FlowOutcome =
  { outcome: 'connected' } | { outcome: 'cancelled' } | { outcome: 'failed'; code: string };

/** A flow outcome as broadcast between tabs. */
export type FlowResultMessage = { type: 'bank-connect:flow-result'; flowId: string } & FlowOutcome;

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
  channel?: BroadcastChannel;
  listening?: boolean;
}

/*
 * One relay per window, kept on globalThis under a registered symbol: a second copy of the script
 * finds the first one's relay, so one `message` listener and one channel serve every instance.
 */
const RELAY_KEY = Symbol.for('bank-connect.relay.v1');

function relay(): Relay {
  const holder = globalThis as typeof globalThis & { [RELAY_KEY]?: Relay };
  holder[RELAY_KEY] ??= { callbacks: new Map(), results: new Map(), claimed: new Set() };
  return holder[RELAY_KEY];
}

/** Whether `data` is a message of that type about a flow: an object with a string `flowId`. */
function isFlowMessage(data: unknown, type: string): data is Record<string, unknown> {
  const message = data as { type?: unknown; flowId?: unknown } | null;
  return message?.type === type && typeof message.flowId === 'string';
}

function isCallbackMessage(data: unknown): data is CallbackMessage {
  return isFlowMessage(data, 'bank-connect:callback') && typeof data.response === 'string';
}

function isFlowResult(data: unknown): data is FlowResultMessage {
  return (
    isFlowMessage(data, 'bank-connect:flow-result') &&
    ['connected', 'cancelled', 'failed'].includes(data.outcome as string)
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
export function publishResult(flowId: string, result: FlowOutcome): void {
  const message: FlowResultMessage = { type: 'bank-connect:flow-result', flowId, ...result };
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
