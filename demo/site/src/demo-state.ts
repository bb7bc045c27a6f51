/**
 * The demo's shared state: the presenter's settings and the session handle, one small store that
 * both pages, the dashboard and the presenter panel read and subscribe to.
 *
 * The session handle lives in `localStorage` under `fourmi:session` so that a reload keeps the
 * dashboard. It is the BFF's opaque handle, not a bank token, and it is bound to this browser:
 * the BFF opens the session only with a DPoP proof of the non-extractable key `<bank-connect>`
 * keeps in IndexedDB, so a handle read out of storage (by an extension or an XSS) is useless
 * anywhere else. That is why keeping it here is fine.
 */
import { resolveLang, type Lang } from './i18n.js';

/** How the widget takes the customer to the bank. */
export type FlowMode = 'popup' | 'redirect';

/** Light or dark colours. */
export type Theme = 'light' | 'dark';

/** Everything the page shows depends on. */
export interface DemoState {
  lang: Lang;
  mode: FlowMode;
  theme: Theme;
  /** The brand colour, `#rrggbb`. */
  accent: string;
  /** The BFF session handle, or `null` when no bank is connected. */
  session: string | null;
  /** True while the customer renews an expired consent with the widget. */
  reconnecting: boolean;
  /** The connected bank's id, once known; the presenter's scenarios default to it. */
  aspsp: string | null;
  /** Whether the presenter panel is open. */
  presenterOpen: boolean;
}

/** Fourmi's own colour: a deep teal that keeps AA contrast with white text. */
export const DEFAULT_ACCENT = '#0f6e67';

const SESSION_KEY = 'fourmi:session';
const PREFERENCES_KEY = 'fourmi:preferences';

type Listener = (state: DemoState) => void;

const listeners = new Set<Listener>();
/** The theme the presenter picked; until they pick one, the page follows the system's. */
let chosenTheme: Theme | undefined;
let state: DemoState = readInitialState();

function readStorage(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function writeStorage(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // Private browsing may refuse storage: the demo still works, without surviving a reload.
  }
}

function readInitialState(): DemoState {
  const prefersDark = globalThis.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false;
  const defaults: DemoState = {
    lang: 'fr',
    mode: 'popup',
    theme: prefersDark ? 'dark' : 'light',
    accent: DEFAULT_ACCENT,
    session: readStorage(SESSION_KEY),
    reconnecting: false,
    aspsp: null,
    presenterOpen: false,
  };
  const query = new URLSearchParams(globalThis.location?.search ?? '');
  let saved: Partial<DemoState> = {};
  try {
    saved = JSON.parse(readStorage(PREFERENCES_KEY) ?? '{}') as Partial<DemoState>;
  } catch {
    saved = {};
  }
  if (saved.theme === 'dark' || saved.theme === 'light') chosenTheme = saved.theme;
  return {
    ...defaults,
    lang: resolveLang(query.get('lang') ?? saved.lang ?? defaults.lang),
    mode: saved.mode === 'redirect' ? 'redirect' : 'popup',
    theme: chosenTheme ?? defaults.theme,
    accent: /^#[0-9a-f]{6}$/i.test(saved.accent ?? '') ? (saved.accent as string) : DEFAULT_ACCENT,
  };
}

function savePreferences(): void {
  const { lang, mode, accent } = state;
  writeStorage(PREFERENCES_KEY, JSON.stringify({ lang, mode, accent, theme: chosenTheme }));
}

/** The current state. The same object until something changes, as `useSyncExternalStore` needs. */
export function getState(): DemoState {
  return state;
}

/** Changes part of the state, saves it and tells every subscriber. */
export function updateState(patch: Partial<DemoState>): void {
  const next = { ...state, ...patch };
  const keys = Object.keys(patch) as (keyof DemoState)[];
  if (keys.every((key) => next[key] === state[key])) return;
  state = next;
  writeStorage(SESSION_KEY, state.session);
  savePreferences();
  for (const listener of listeners) listener(state);
}

/** Sets the theme the presenter picked; from then on the system's preference is ignored. */
export function chooseTheme(theme: Theme): void {
  chosenTheme = theme;
  if (state.theme === theme) savePreferences();
  else updateState({ theme });
}

globalThis.matchMedia?.('(prefers-color-scheme: dark)').addEventListener('change', (event) => {
  if (!chosenTheme) updateState({ theme: event.matches ? 'dark' : 'light' });
});

/** Calls `listener` on every change; returns the function that stops it. */
export function subscribe(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Records a new (or renewed) connection from the `bank-connect-success` detail. */
export function connectSession(detail: { sessionHandle?: string; aspsp: string }): void {
  // The demo's BFF is not in cookie mode: its success always carries the handle.
  updateState({ session: detail.sessionHandle ?? null, aspsp: detail.aspsp, reconnecting: false });
}

/** Forgets the session, after a disconnect or when the BFF no longer knows it. */
export function forgetSession(): void {
  updateState({ session: null, aspsp: null, reconnecting: false });
}
