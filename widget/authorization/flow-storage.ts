import { hasStrings } from '../bff-client.js';

/** Prefix of the localStorage keys holding in-flight flows, one key per flow. */
export const FLOW_KEY_PREFIX = 'bank-connect:flow:';

/**
 * What a tab needs to finish a flow another tab (or this tab before a reload) started. Kept in
 * localStorage, shared by the tabs of one origin, only until the flow completes or expires. It
 * holds the verifier and state (useless without the one-time code the bank gives the customer)
 * and never a session handle or a token.
 */
export interface StoredFlow {
  version: 1;
  flowId: string;
  state: string;
  codeVerifier: string;
  /** RFC 9207: the issuer `iss` must equal. */
  issuer: string;
  issParameterSupported: boolean;
  /** ISO 8601; after this the entry is deleted unread. */
  expiresAt: string;
  /** Whether completing must send the existing session handle (a reconnect). */
  reconnect: boolean;
}

function storage(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
}

function isStoredFlow(value: unknown): value is StoredFlow {
  const flow = value as Partial<StoredFlow> | null;
  return (
    flow?.version === 1 &&
    hasStrings(flow, 'flowId state codeVerifier issuer expiresAt') &&
    typeof flow.issParameterSupported === 'boolean' &&
    typeof flow.reconnect === 'boolean'
  );
}

function isExpired(flow: StoredFlow, now: number): boolean {
  const expiry = Date.parse(flow.expiresAt);
  return Number.isNaN(expiry) || expiry <= now;
}

/** Records a flow so that any tab of this browser can complete it. Storage may be unavailable. */
export function saveFlow(flow: StoredFlow): void {
  try {
    storage()?.setItem(FLOW_KEY_PREFIX + flow.flowId, JSON.stringify(flow));
  } catch {
    // Private modes and full quotas refuse writes; the popup path still works without it.
  }
}

/** Reads a flow; malformed or expired entries are deleted and read as missing. */
export function loadFlow(flowId: string, now = Date.now()): StoredFlow | undefined {
  const store = storage();
  const key = FLOW_KEY_PREFIX + flowId;
  const raw = store?.getItem(key);
  if (raw === null || raw === undefined) return undefined;
  let flow: unknown;
  try {
    flow = JSON.parse(raw);
  } catch {
    flow = undefined;
  }
  if (!isStoredFlow(flow) || flow.flowId !== flowId || isExpired(flow, now)) {
    store?.removeItem(key);
    return undefined;
  }
  return flow;
}

/** Forgets a flow: after completion, cancellation or failure. */
export function deleteFlow(flowId: string): void {
  try {
    storage()?.removeItem(FLOW_KEY_PREFIX + flowId);
  } catch {
    // Nothing to clean when storage is unavailable.
  }
}

/** Deletes every stale or malformed flow entry, so abandoned flows do not linger. */
export function pruneFlows(now = Date.now()): void {
  const store = storage();
  if (!store) return;
  const keys: string[] = [];
  for (let index = 0; index < store.length; index += 1) {
    const key = store.key(index);
    if (key?.startsWith(FLOW_KEY_PREFIX)) keys.push(key);
  }
  for (const key of keys) loadFlow(key.slice(FLOW_KEY_PREFIX.length), now);
}
