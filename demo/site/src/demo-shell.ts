/**
 * What both demo pages share: the Fourmi chrome (header, dashboard, presenter panel, update
 * toast), the presenter's settings applied to the page, the event log and the service worker.
 * Each page adds only its own way of embedding `<bank-connect>`.
 */
import { loadConfig, type DemoConfig } from './config.js';
import { FourmiDashboard } from './dashboard.js';
import { createBankConnectClient } from '../../../widget/client.js';
import { getState, subscribe, updateState, type DemoState } from './demo-state.js';
import { startEventLog } from './event-log.js';
import { isMessageKey, translate, type MessageKey } from './i18n.js';
import { FourmiPresenter } from './presenter-panel.js';
import { registerServiceWorker } from './service-worker.js';
import { FourmiHeader } from './site-header.js';
import { FourmiUpdateToast } from './update-toast.js';

const ELEMENTS: [string, CustomElementConstructor][] = [
  ['fourmi-header', FourmiHeader],
  ['fourmi-dashboard', FourmiDashboard],
  ['fourmi-presenter', FourmiPresenter],
  ['fourmi-update-toast', FourmiUpdateToast],
];

declare global {
  interface HTMLElementTagNameMap {
    'fourmi-header': FourmiHeader;
    'fourmi-dashboard': FourmiDashboard;
    'fourmi-presenter': FourmiPresenter;
    'fourmi-update-toast': FourmiUpdateToast;
  }
}

/** Whether the page is back from the bank in redirect mode and the widget must finish the flow. */
export function isReturningFromBank(): boolean {
  return /[#&]bank_connect_flow=/.test(window.location.hash);
}

/** Picks black or white text, whichever reads better on `hex` (WCAG relative luminance). */
function contrastingText(hex: string): string {
  const channel = (offset: number) => {
    const value = parseInt(hex.slice(offset, offset + 2), 16) / 255;
    return value <= 0.04045 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  // Contrast with white is 1.05 / (L + 0.05); with black, (L + 0.05) / 0.05. Pick the larger.
  return 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05 ? '#ffffff' : '#111418';
}

function applyState(state: DemoState, titleKey: MessageKey): void {
  const root = document.documentElement;
  root.lang = state.lang;
  root.dataset.theme = state.theme;
  // CSSOM custom properties: allowed under `style-src 'self'` (no style attribute is parsed).
  root.style.setProperty('--accent', state.accent);
  root.style.setProperty('--accent-contrast', contrastingText(state.accent));
  document.title = translate(state.lang, titleKey);
  for (const element of document.querySelectorAll<HTMLElement>('[data-i18n]')) {
    const key = element.dataset.i18n ?? '';
    if (isMessageKey(key)) element.textContent = translate(state.lang, key);
  }
  const connected = Boolean(state.session);
  const connect = document.getElementById('connect');
  if (connect) {
    connect.hidden = connected && !state.reconnecting && !isReturningFromBank();
    connect.classList.toggle('is-reconnecting', connected);
  }
  const connectTitle = document.getElementById('connect-title');
  if (connectTitle) {
    connectTitle.textContent = translate(state.lang, connected ? 'reconnectTitle' : 'connectTitle');
  }
  const dashboard = document.querySelector('fourmi-dashboard');
  if (dashboard) dashboard.hidden = !connected;
}

async function moveFocusToMain(): Promise<void> {
  await document.querySelector('fourmi-dashboard')?.updateComplete;
  document.getElementById('main')?.focus({ preventScroll: false });
}

/**
 * Starts the shared parts of a demo page and loads `/config.json`. Resolves to the configuration,
 * or to `undefined` after showing an error if the server gave none.
 */
export async function startDemo(titleKey: MessageKey): Promise<DemoConfig | undefined> {
  for (const [name, element] of ELEMENTS) {
    if (!customElements.get(name)) customElements.define(name, element);
  }
  startEventLog(document);
  applyState(getState(), titleKey);
  let previous = getState();
  subscribe((state) => {
    applyState(state, titleKey);
    // A renewed consent keeps the same handle: reload the dashboard explicitly.
    if (previous.reconnecting && !state.reconnecting && state.session) {
      void document.querySelector('fourmi-dashboard')?.refresh();
    }
    // The widget that had focus is now hidden (or the dashboard is): move focus to what replaced it.
    if (Boolean(previous.session) !== Boolean(state.session)) void moveFocusToMain();
    previous = state;
  });

  const toast = document.querySelector('fourmi-update-toast');
  registerServiceWorker((apply) => {
    if (toast) toast.apply = apply;
  });

  const dashboard = document.querySelector('fourmi-dashboard');
  document.addEventListener('fourmi-reconnect', () => {
    updateState({ reconnecting: true });
    const connect = document.getElementById('connect');
    connect?.scrollIntoView({ block: 'start' });
    document.getElementById('connect-title')?.focus();
  });
  for (const type of ['fourmi-scenario', 'fourmi-lifecycle'] as const) {
    document.addEventListener(type, () => {
      if (getState().session && dashboard) void dashboard.refresh();
    });
  }

  let config: DemoConfig;
  try {
    config = await loadConfig();
  } catch (error) {
    console.error('fourmi:', error);
    const message = document.getElementById('config-error');
    if (message) message.hidden = false;
    return undefined;
  }
  if (dashboard) dashboard.bff = config.bffUrl;
  const presenter = document.querySelector('fourmi-presenter');
  if (presenter) {
    createBankConnectClient({ bff: config.bffUrl })
      .aspsps()
      .then((directory) => (presenter.aspsps = directory.aspsps))
      .catch(() => undefined);
  }
  return config;
}
