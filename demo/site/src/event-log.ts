/**
 * Records every `bank-connect-*` event the page hears, for the presenter panel's log. The
 * widget's events bubble and are composed, so listening on `document` hears them all.
 */

/** The widget events the log shows. */
export const WIDGET_EVENTS = [
  'bank-connect-step',
  'bank-connect-success',
  'bank-connect-cancel',
  'bank-connect-error',
] as const;

/** One logged event. */
export interface LoggedEvent {
  id: number;
  time: Date;
  name: string;
  /** The detail as indented JSON, with the session handle shortened. */
  detail: string;
}

const MAX_ENTRIES = 100;
const entries: LoggedEvent[] = [];
const listeners = new Set<() => void>();
let nextId = 1;

/**
 * The session handle is a bearer credential for the BFF: the log shows only its first characters
 * so that a screen shared during a demo does not leak it.
 */
function describeDetail(detail: unknown): string {
  return JSON.stringify(
    detail,
    (key, value: unknown) =>
      key === 'sessionHandle' && typeof value === 'string' ? `${value.slice(0, 6)}…` : value,
    2,
  );
}

/** Starts recording widget events on `target` (the document). Call once per page. */
export function startEventLog(target: EventTarget = document): void {
  for (const name of WIDGET_EVENTS) {
    target.addEventListener(name, (event) => {
      entries.unshift({
        id: nextId++,
        time: new Date(),
        name,
        detail: describeDetail((event as CustomEvent<unknown>).detail),
      });
      entries.length = Math.min(entries.length, MAX_ENTRIES);
      for (const listener of listeners) listener();
    });
  }
}

/** The logged events, newest first. */
export function listLoggedEvents(): readonly LoggedEvent[] {
  return entries;
}

/** Empties the log. */
export function clearEventLog(): void {
  entries.length = 0;
  for (const listener of listeners) listener();
}

/** Calls `listener` when the log changes; returns the function that stops it. */
export function onEventLogChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
