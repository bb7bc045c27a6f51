import { html, type TemplateResult } from 'lit';
import { property } from 'lit/decorators.js';
import { updateState } from './demo-state.js';
import { LightElement } from './light-element.js';
import { PRESENTER_PANEL_ID } from './presenter-panel.js';
import { StoreController } from './store-controller.js';

/** The ant of Fourmi's logo, shared with the favicon. */
export const fourmiMark = html`<svg
  class="brand-mark"
  viewBox="0 0 32 32"
  aria-hidden="true"
  focusable="false"
>
  <rect width="32" height="32" rx="9" class="brand-mark-bg" />
  <g class="brand-mark-ant">
    <circle cx="9" cy="17" r="3.2" />
    <circle cx="16" cy="17" r="2.6" />
    <ellipse cx="23.5" cy="17" rx="4.4" ry="3.6" />
    <path
      d="M12 14.5 10 10M16 14.5v-4M20 14.5l2-4M12 19.5l-2 4M16 19.5v4M20 19.5l2 4M7 14.5 5 11.5M7.2 14.4 9 11"
    />
  </g>
</svg>`;

/**
 * The site's header: brand, the two demo pages, the language switch and the presenter toggle.
 * `page` says which page is current.
 */
export class FourmiHeader extends LightElement {
  #store = new StoreController(this);

  /** The current page: `script` or `react`. */
  @property({ attribute: 'page' }) page: 'script' | 'react' = 'script';

  protected override render(): TemplateResult {
    const { t, value } = this.#store;
    const other = value.lang === 'fr' ? 'en' : 'fr';
    return html`
      <a class="skip-link" href="#main">${t('skipToContent')}</a>
      <header class="site-header">
        <div class="container header-inner">
          <a class="brand" href="/">
            ${fourmiMark}
            <span class="brand-text">
              <span class="brand-name">${t('appName')}</span>
              <span class="brand-tagline">${t('tagline')}</span>
            </span>
          </a>
          <nav class="site-nav" aria-label=${t('navLabel')}>
            <a href="/" aria-current=${this.page === 'script' ? 'page' : 'false'}
              >${t('navScript')}</a
            >
            <a href="/react.html" aria-current=${this.page === 'react' ? 'page' : 'false'}
              >${t('navReact')}</a
            >
          </nav>
          <div class="header-actions">
            <button
              type="button"
              class="button button-ghost"
              lang=${other}
              @click=${() => updateState({ lang: other })}
            >
              ${t('switchLang')}
            </button>
            <button
              type="button"
              class="button button-secondary"
              aria-expanded=${value.presenterOpen ? 'true' : 'false'}
              aria-controls=${PRESENTER_PANEL_ID}
              @click=${() => updateState({ presenterOpen: !value.presenterOpen })}
            >
              <svg class="icon" viewBox="0 0 24 24" aria-hidden="true">
                <path d="M4 6h10M18 6h2M4 12h4M12 12h8M4 18h12M20 18h0" />
                <circle cx="16" cy="6" r="2" />
                <circle cx="10" cy="12" r="2" />
                <circle cx="18" cy="18" r="2" />
              </svg>
              <span>${t('presenterToggle')}</span>
            </button>
          </div>
        </div>
      </header>
    `;
  }
}
