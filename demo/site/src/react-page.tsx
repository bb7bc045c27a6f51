/**
 * The ES-module integration in a React 19 app: import the element class, register it, and use
 * `<bank-connect>` in JSX. React 19 sets known element properties (`bff`, `mode`, `session`…)
 * as properties; the widget's events are DOM events, so listen to them through a ref.
 */
import { useEffect, useRef, useSyncExternalStore, type HTMLAttributes, type Ref } from 'react';
import { createRoot } from 'react-dom/client';
import {
  defineBankConnect,
  type BankConnect,
  type ErrorDetail,
  type SuccessDetail,
} from '../../../widget/index.js';
import { isReturningFromBank, startDemo } from './demo-shell.js';
import { connectSession, getState, subscribe } from './demo-state.js';

// Importing the ES entry registers nothing: register `<bank-connect>` once, before rendering.
defineBankConnect();

/** The properties `<bank-connect>` takes in JSX, typed from the element class. */
type BankConnectProps = HTMLAttributes<BankConnect> &
  Partial<Pick<BankConnect, 'bff' | 'mode' | 'scopes' | 'aspsp' | 'session' | 'returnTo'>> & {
    ref?: Ref<BankConnect>;
  };

declare module 'react' {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- React's JSX types live in a namespace.
  namespace JSX {
    interface IntrinsicElements {
      'bank-connect': BankConnectProps;
    }
  }
}

interface ConnectBankProps {
  bff: string;
  onSuccess: (detail: SuccessDetail) => void;
  onError?: (detail: ErrorDetail) => void;
}

/** The widget, wired to the demo's settings: mode, language, and the session to renew. */
function ConnectBank({ bff, onSuccess, onError }: ConnectBankProps) {
  const widget = useRef<BankConnect>(null);
  const state = useSyncExternalStore(subscribe, getState);
  // With `session`, the element skips the bank choice and renews that session's consent.
  const session =
    state.session && (state.reconnecting || isReturningFromBank()) ? state.session : '';

  useEffect(() => {
    const element = widget.current;
    if (!element) return;
    const handleSuccess = (event: CustomEvent<SuccessDetail>) => onSuccess(event.detail);
    const handleError = (event: CustomEvent<ErrorDetail>) => onError?.(event.detail);
    element.addEventListener('bank-connect-success', handleSuccess);
    element.addEventListener('bank-connect-error', handleError);
    return () => {
      element.removeEventListener('bank-connect-success', handleSuccess);
      element.removeEventListener('bank-connect-error', handleError);
    };
  }, [onSuccess, onError]);

  // After a disconnect, start again from the bank list.
  const connected = Boolean(state.session);
  const wasConnected = useRef(connected);
  useEffect(() => {
    if (wasConnected.current && !connected) void widget.current?.restart();
    wasConnected.current = connected;
  }, [connected]);

  return (
    <bank-connect
      ref={widget}
      bff={bff}
      mode={state.mode}
      lang={state.lang}
      session={session}
      // Six months of history for the chart; without it banks show the last 90 days only.
      scopes="aisp extended_transaction_history"
    />
  );
}

const config = await startDemo('pageTitleReact');
const container = document.getElementById('connect-widget');
if (config && container) {
  createRoot(container).render(
    <ConnectBank
      bff={config.bffUrl}
      // The detail holds the opaque session handle (never a bank token): keep it, call the BFF.
      onSuccess={connectSession}
      onError={(detail) => console.info('bank-connect error', detail.code)}
    />,
  );
}
