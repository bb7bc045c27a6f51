/**
 * The script-tag integration: the page loads the drop-in bundle with
 *   <script type="module" src="/bank-connect.js"></script>
 * and uses `<bank-connect>` like any HTML element. No build step, no import.
 */
import { startDemo, isReturningFromBank } from './demo-shell.js';
import { connectSession, getState, subscribe, type DemoState } from './demo-state.js';

const config = await startDemo('pageTitleScript');
const slot = document.getElementById('connect-widget');

if (config && slot) {
  // A partner would write the element in its HTML: <bank-connect bff="https://bff.example.fr">.
  // The demo creates it once /config.json has said where the BFF is.
  const widget = document.createElement('bank-connect');
  widget.setAttribute('bff', config.bffUrl);
  // Six months of history for the chart; without it banks show the last 90 days only.
  widget.setAttribute('scopes', 'aisp extended_transaction_history');

  // The detail holds the opaque session handle (never a bank token): keep it and call the BFF.
  widget.addEventListener('bank-connect-success', (event) => connectSession(event.detail));
  widget.addEventListener('bank-connect-error', (event) => {
    console.info('bank-connect error', event.detail.code);
  });

  const configure = (state: DemoState, previous?: DemoState) => {
    widget.setAttribute('mode', state.mode);
    widget.setAttribute('lang', state.lang);
    // With `session`, the element skips the bank choice and renews that session's consent.
    // It is also needed when coming back from the bank in redirect mode during a reconnection.
    if (state.session && (state.reconnecting || isReturningFromBank())) {
      widget.setAttribute('session', state.session);
    } else {
      widget.removeAttribute('session');
    }
    // After a disconnect, start again from the bank list.
    if (previous?.session && !state.session) void widget.restart();
  };
  configure(getState());
  let previous = getState();
  subscribe((state) => {
    configure(state, previous);
    previous = state;
  });
  slot.append(widget);
}
