import { html, nothing, type TemplateResult } from 'lit';
import type { MessageKey } from './locales/fr.js';

/** Looks a message up in the element's language, the bank and the site filled in. */
export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

/** A button: its label and what a click does. The first button of a view is its primary one. */
export type Action = [label: MessageKey, onClick: () => void];

/**
 * A paragraph and, when `actions` is given, the row of buttons (even empty, for the layout): the
 * body of most views, in the entry (the error view) and in the consent chunk (the others).
 */
export function renderText(
  t: Translate,
  key: MessageKey,
  actions?: Action[],
  params?: Record<string, string>,
): TemplateResult {
  return html`<p>${t(key, params)}</p>
    ${actions ? renderActions(t, actions) : nothing}`;
}

/** The row of buttons of a view. */
export function renderActions(t: Translate, actions: Action[]): TemplateResult {
  return html`<div class="actions" part="actions">
    ${actions.map(
      ([label, onClick], index) =>
        html`<button
          type="button"
          part=${index ? 'button' : 'button primary-button'}
          class=${index ? '' : 'primary'}
          @click=${onClick}
        >
          ${t(label)}
        </button>`,
    )}
  </div>`;
}
