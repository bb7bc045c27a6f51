import { html, nothing, type TemplateResult } from 'lit';
import { property } from 'lit/decorators.js';
import { LightElement } from './light-element.js';
import { StoreController } from './store-controller.js';

/** The "new version available" toast: `apply` activates the waiting service worker. */
export class FourmiUpdateToast extends LightElement {
  #store = new StoreController(this);

  /** Set when a new build is waiting; calling it reloads the page on the new version. */
  @property({ attribute: false }) apply: (() => void) | undefined;

  protected override render(): TemplateResult | typeof nothing {
    const { t } = this.#store;
    const apply = this.apply;
    return html`<div class="toast ${apply ? 'is-visible' : ''}" role="status">
      ${
        apply
          ? html`<p>${t('updateAvailable')}</p>
              <div class="toast-actions">
                <button
                  type="button"
                  class="button button-ghost button-small"
                  @click=${() => (this.apply = undefined)}
                >
                  ${t('updateLater')}
                </button>
                <button type="button" class="button button-primary button-small" @click=${apply}>
                  ${t('updateReload')}
                </button>
              </div>`
          : nothing
      }
    </div>`;
  }
}
