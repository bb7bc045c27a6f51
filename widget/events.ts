import type { BankConnectErrorCode } from './errors.js';

/** Where the customer was when something happened; used by cancel and error events. */
export type FlowStep = 'choose' | 'confirm' | 'waiting' | 'completing' | 'session';

/** Analytics milestones of `bank-connect-step`. */
export type StepName =
  | 'open'
  | 'search'
  | 'select_bank'
  | 'confirm'
  | 'open_bank_window'
  | 'bank_window_closed'
  | 'bank_window_reopened'
  | 'popup_blocked'
  | 'handoff'
  | 'resume'
  | 'reconnect'
  | 'renew'
  | 'session_active'
  | 'complete';

/** Why the customer did not finish. */
export type CancelReason = 'user' | 'popup_closed' | 'bank_denied';

/** `bank-connect-success`: the opaque session handle, never a bank token. */
export interface SuccessDetail {
  /**
   * The handle to read the session with (`createBankConnectClient`); absent with `session-cookie`,
   * where it lives only in the BFF's HttpOnly cookie.
   */
  sessionHandle?: string;
  /**
   * The session's stable, non-secret id (`ses_…`): the partner's server names the session by it
   * in the partner-server API and in webhooks. It stays the same after a renewal.
   */
  sessionId: string;
  aspsp: string;
  expiresAt: string;
  /** The consent of the element's `session` was renewed: the handle is the same. */
  renewed: boolean;
}

/** `bank-connect-cancel`. */
export interface CancelDetail {
  reason: CancelReason;
  step: FlowStep;
}

/** `bank-connect-error`: a stable code; `message` is lower-case and developer-facing. */
export interface ErrorDetail {
  code: BankConnectErrorCode;
  message: string;
  retryable: boolean;
  step: FlowStep;
}

/** `bank-connect-step`: analytics only, ids and names, nothing personal. */
export interface StepDetail {
  step: StepName;
  aspsp?: string;
}

/** Every event `<bank-connect>` sends, by name. */
export interface BankConnectEventMap {
  'bank-connect-success': CustomEvent<SuccessDetail>;
  'bank-connect-cancel': CustomEvent<CancelDetail>;
  'bank-connect-error': CustomEvent<ErrorDetail>;
  'bank-connect-step': CustomEvent<StepDetail>;
}

declare global {
  interface GlobalEventHandlersEventMap {
    'bank-connect-success': CustomEvent<SuccessDetail>;
    'bank-connect-cancel': CustomEvent<CancelDetail>;
    'bank-connect-error': CustomEvent<ErrorDetail>;
    'bank-connect-step': CustomEvent<StepDetail>;
  }
}

type DetailOf<K extends keyof BankConnectEventMap> =
  BankConnectEventMap[K] extends CustomEvent<infer D> ? D : never;

/** Sends one of the widget's events: bubbling and composed, so the page hears it through shadow roots. */
export function emit<K extends keyof BankConnectEventMap>(
  target: EventTarget,
  name: K,
  detail: DetailOf<K>,
): void {
  target.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
}
