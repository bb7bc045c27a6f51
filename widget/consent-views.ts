import { html, nothing, type TemplateResult } from 'lit';
import type { AuthorizationFlow } from './authorization/authorization-flow.js';
import type { BankConnectView } from './bank-connect.js';
import type { BankScope } from './contract.js';
import type { CancelReason } from './events.js';
import { renderActions, renderText, type Action, type Translate } from './views.js';

/**
 * What the views after the choice of a bank read from the element at each render. Members end
 * in `_`: the build shortens them across the entry and the consent chunk.
 */
export interface ConsentViewContext {
  t_: Translate;
  /** The consent renews one of the same bank: ended, or ending on `renewBy_`. */
  reconnecting_: boolean;
  /** When the consent being renewed ends, formatted for the customer; unset once it has ended. */
  renewBy_: string | undefined;
  cancelReason_: CancelReason;
  /** How long the chosen bank's consent lasts, when its directory entry says. */
  consentDays_: number | undefined;
  scopes_: BankScope[];
  retry_: Action;
  /** "Choose another bank", or nothing for a reconnect: there is no other bank to choose. */
  changeBank_: Action[];
  /** Starts the flow, synchronously in the click; `mode` overrides the element's. */
  continue_: (mode?: string) => void;
}

/**
 * The body of the consent and of the views after it, which come with the consent chunk; the
 * element renders `choose` and `error` itself, and `loading`, `redirecting` and `completing`
 * have only their heading.
 */
export function renderConsentView(
  view: BankConnectView,
  context: ConsentViewContext,
  flow: AuthorizationFlow,
): TemplateResult | typeof nothing {
  const t = context.t_;
  switch (view) {
    case 'confirm':
      return renderConfirm(context);
    case 'waiting':
      return renderText(t, 'waitingHint', [
        ['reopenWindow', () => flow.reopen_()],
        ['cancel', () => flow.cancel_()],
      ]);
    case 'popup-blocked':
      return renderText(t, 'popupBlockedHint', [
        ['continueHere', () => context.continue_('redirect')],
        ['tryPopupAgain', () => context.continue_('popup')],
      ]);
    case 'connected':
      return renderText(t, 'connectedBody');
    case 'cancelled':
      return renderText(t, `cancelled_${context.cancelReason_}`, [
        context.retry_,
        ...context.changeBank_,
      ]);
    default:
      return nothing;
  }
}

/** What will be shared, with whom and for how long, and the button that opens the bank. */
function renderConfirm(context: ConsentViewContext): TemplateResult {
  const { t_: t, consentDays_: days } = context;
  return html`
    <div part="consent">
      ${
        context.reconnecting_
          ? html`<p>
              ${t(context.renewBy_ ? 'renewIntro' : 'reconnectIntro', { date: context.renewBy_ ?? '' })}
            </p>`
          : nothing
      }
      <p>${t('confirmIntro')}</p>
      <ul class="scopes">
        ${context.scopes_.map((scope) => html`<li>${t(`scope_${scope}`)}</li>`)}
      </ul>
      <p>${days ? t('confirmDuration', { days }) : t('confirmDurationUnknown')}</p>
      <p>${t('confirmBank')}</p>
    </div>
    ${renderActions(t, [['continueToBank', () => context.continue_()], ...context.changeBank_])}
  `;
}
