import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import type { AspspSummary } from '../../../backend-for-frontend/contract/index.js';
import {
  chooseTheme,
  DEFAULT_ACCENT,
  updateState,
  type DemoState,
  type Theme,
} from './demo-state.js';
import { clearEventLog, listLoggedEvents, onEventLogChange } from './event-log.js';
import type { MessageKey } from './i18n.js';
import { LightElement } from './light-element.js';
import {
  applyScenario,
  moveClockNearEnd,
  resetDemo,
  runNightlySync,
  waitForWebhooks,
  type ReceivedWebhook,
  type Scenario,
} from './scenarios.js';
import { StoreController } from './store-controller.js';

/** The id of the panel, for the header's toggle (`aria-controls`). */
export const PRESENTER_PANEL_ID = 'presenter-panel';

const SCENARIOS: { scenario: Scenario; label: MessageKey }[] = [
  { scenario: 'down', label: 'scenarioDown' },
  { scenario: 'consent_expired', label: 'scenarioConsentExpired' },
  { scenario: 'slow', label: 'scenarioSlow' },
  { scenario: 'normal', label: 'scenarioNormal' },
];

declare global {
  interface GlobalEventHandlersEventMap {
    'fourmi-scenario': CustomEvent<{ aspsp: string; scenario: Scenario }>;
    /** The demo's clock moved, or Fourmi's server synced: what the dashboard shows changed. */
    'fourmi-lifecycle': CustomEvent<{ aspsp: string }>;
  }
}

/** How many days before its end the presenter brings a consent. */
const DAYS_LEFT = 10;
/** How many received webhooks the panel shows. */
const WEBHOOKS_SHOWN = 20;
/** After the demo server failed to answer, how long before asking again. */
const WEBHOOK_RETRY_MS = 2_000;

/**
 * The presenter panel: the widget's mode, the language, the theme and the brand colour, buttons
 * that put a sandbox bank in a scenario (sending `fourmi-scenario` once applied), and the log of
 * the widget's events. A side panel on wide screens, a bottom sheet on phones; Escape closes it.
 */
export class FourmiPresenter extends LightElement {
  #store = new StoreController(this);
  #stopLog: (() => void) | undefined;

  @state() private bank = '';
  @state() private busy = false;
  @state() private message: { text: string; failed: boolean } | undefined;
  @state() private lifecycleMessage: { text: string; failed: boolean } | undefined;
  @state() private webhooks: ReceivedWebhook[] = [];
  #listening: AbortController | undefined;

  /** The banks of the directory, for the scenario's bank. */
  @property({ attribute: false }) aspsps: AspspSummary[] = [];

  override connectedCallback(): void {
    super.connectedCallback();
    this.#stopLog = onEventLogChange(() => this.requestUpdate());
    this.addEventListener('keydown', this.#handleKeydown);
    this.#listening = new AbortController();
    void this.#listenForWebhooks(this.#listening.signal);
  }

  /** Shows the webhooks Fourmi's server receives, as they arrive, while the panel exists. */
  async #listenForWebhooks(signal: AbortSignal): Promise<void> {
    let after = 0;
    while (!signal.aborted) {
      try {
        const entries = await waitForWebhooks(after, signal);
        after = entries.at(-1)?.seq ?? after;
        if (entries.length > 0) {
          this.webhooks = [...entries.reverse(), ...this.webhooks].slice(0, WEBHOOKS_SHOWN);
        }
      } catch {
        if (signal.aborted) return;
        await new Promise((resolve) => setTimeout(resolve, WEBHOOK_RETRY_MS));
      }
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#stopLog?.();
    this.#listening?.abort();
    this.removeEventListener('keydown', this.#handleKeydown);
  }

  #wasOpen = false;

  protected override updated(_changed: PropertyValues): void {
    const open = this.#store.value.presenterOpen;
    if (open && !this.#wasOpen) this.querySelector<HTMLElement>('#presenter-title')?.focus();
    this.#wasOpen = open;
  }

  #handleKeydown = (event: KeyboardEvent): void => {
    if (event.key === 'Escape' && this.#store.value.presenterOpen) {
      event.stopPropagation();
      this.#close();
    }
  };

  #close(): void {
    updateState({ presenterOpen: false });
    document.querySelector<HTMLElement>(`[aria-controls="${PRESENTER_PANEL_ID}"]`)?.focus();
  }

  async #handleScenario(scenario: Scenario, label: MessageKey): Promise<void> {
    const { t } = this.#store;
    const aspsp = this.bank || this.#store.value.aspsp || '';
    if (!aspsp) {
      this.message = { text: t('scenarioNoBank'), failed: true };
      return;
    }
    this.busy = true;
    this.message = undefined;
    try {
      await applyScenario(aspsp, scenario);
      const bank = this.aspsps.find((entry) => entry.id === aspsp)?.name ?? aspsp;
      this.message = { text: t('scenarioApplied', { scenario: t(label), bank }), failed: false };
      this.dispatchEvent(
        new CustomEvent('fourmi-scenario', { detail: { aspsp, scenario }, bubbles: true }),
      );
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.message = { text: t('scenarioFailed', { message: reason }), failed: true };
    } finally {
      this.busy = false;
    }
  }

  /** Runs a lifecycle action, then tells the page what changed. */
  async #handleLifecycle(action: (aspsp: string) => Promise<string>): Promise<void> {
    const { t } = this.#store;
    const aspsp = this.bank || this.#store.value.aspsp || this.aspsps[0]?.id || '';
    this.busy = true;
    this.lifecycleMessage = undefined;
    try {
      this.lifecycleMessage = { text: await action(aspsp), failed: false };
      this.dispatchEvent(new CustomEvent('fourmi-lifecycle', { detail: { aspsp }, bubbles: true }));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.lifecycleMessage = { text: t('lifecycleFailed', { message: reason }), failed: true };
    } finally {
      this.busy = false;
    }
  }

  #renderLifecycle(): TemplateResult {
    const { t } = this.#store;
    const nameOf = (aspsp: string) =>
      this.aspsps.find((entry) => entry.id === aspsp)?.name ?? aspsp;
    return html`
      <section class="presenter-section" aria-labelledby="lifecycle-title">
        <h3 id="lifecycle-title" class="presenter-subtitle">${t('lifecycleTitle')}</h3>
        <div class="scenario-grid">
          <button
            type="button"
            class="button button-secondary"
            ?disabled=${this.busy}
            @click=${() =>
              void this.#handleLifecycle(async (aspsp) =>
                t('lifecycleMoved', {
                  days: String(await moveClockNearEnd(aspsp, DAYS_LEFT)),
                  bank: nameOf(aspsp),
                }),
              )}
          >
            ${t('lifecycleNearEnd')}
          </button>
          <button
            type="button"
            class="button button-secondary"
            ?disabled=${this.busy}
            @click=${() =>
              void this.#handleLifecycle(async () =>
                t('lifecycleSynced', { count: String(await runNightlySync()) }),
              )}
          >
            ${t('lifecycleSync')}
          </button>
          <button
            type="button"
            class="button button-primary"
            ?disabled=${this.busy}
            @click=${() =>
              void this.#handleLifecycle(async () => {
                await resetDemo();
                return t('lifecycleWasReset');
              })}
          >
            ${t('lifecycleReset')}
          </button>
        </div>
        <p
          class="presenter-message ${this.lifecycleMessage?.failed ? 'is-error' : ''}"
          role="status"
        >
          ${this.lifecycleMessage?.text ?? nothing}
        </p>
      </section>
    `;
  }

  protected override render(): TemplateResult {
    const { t, value } = this.#store;
    const selected = this.bank || value.aspsp || this.aspsps[0]?.id || '';
    return html`
      <aside
        id=${PRESENTER_PANEL_ID}
        class="presenter"
        aria-labelledby="presenter-title"
        ?hidden=${!value.presenterOpen}
      >
        <div class="presenter-header">
          <h2 id="presenter-title" class="presenter-title" tabindex="-1">${t('presenterTitle')}</h2>
          <button
            type="button"
            class="icon-button"
            aria-label=${t('presenterClose')}
            @click=${() => this.#close()}
          >
            <svg class="icon" viewBox="0 0 24 24" aria-hidden="true">
              <path d="M6 6l12 12M18 6L6 18" />
            </svg>
          </button>
        </div>
        <p class="presenter-intro">${t('presenterIntro')}</p>
        ${this.#renderChoice('mode', 'settingMode', value.mode, [
          ['popup', 'modePopup'],
          ['redirect', 'modeRedirect'],
        ])}
        ${this.#renderChoice('lang', 'settingLang', value.lang, [
          ['fr', 'langFr'],
          ['en', 'langEn'],
        ])}
        ${this.#renderChoice('theme', 'settingTheme', value.theme, [
          ['light', 'themeLight'],
          ['dark', 'themeDark'],
        ])}
        <div class="field">
          <label for="presenter-accent">${t('settingAccent')}</label>
          <div class="field-inline">
            <input
              id="presenter-accent"
              class="colour-input"
              type="color"
              .value=${value.accent}
              @input=${(event: Event) =>
                updateState({ accent: (event.target as HTMLInputElement).value })}
            />
            <button
              type="button"
              class="button button-ghost button-small"
              ?disabled=${value.accent === DEFAULT_ACCENT}
              @click=${() => updateState({ accent: DEFAULT_ACCENT })}
            >
              ${t('accentReset')}
            </button>
          </div>
        </div>

        <section class="presenter-section" aria-labelledby="scenarios-title">
          <h3 id="scenarios-title" class="presenter-subtitle">${t('scenariosTitle')}</h3>
          <div class="field">
            <label for="scenario-bank">${t('scenarioBank')}</label>
            <select
              id="scenario-bank"
              class="select"
              @change=${(event: Event) => (this.bank = (event.target as HTMLSelectElement).value)}
            >
              ${this.aspsps.map(
                (aspsp) =>
                  html`<option value=${aspsp.id} ?selected=${aspsp.id === selected}>
                    ${aspsp.name}
                  </option>`,
              )}
            </select>
          </div>
          <div class="scenario-grid">
            ${SCENARIOS.map(
              ({ scenario, label }) => html`
                <button
                  type="button"
                  class="button ${scenario === 'normal' ? 'button-primary' : 'button-secondary'}"
                  ?disabled=${this.busy}
                  @click=${() => void this.#handleScenario(scenario, label)}
                >
                  ${t(label)}
                </button>
              `,
            )}
          </div>
          <p class="presenter-message ${this.message?.failed ? 'is-error' : ''}" role="status">
            ${this.message?.text ?? nothing}
          </p>
        </section>

        ${this.#renderLifecycle()} ${this.#renderWebhooks()} ${this.#renderLog()}
      </aside>
    `;
  }

  #renderChoice<K extends 'mode' | 'lang' | 'theme'>(
    name: K,
    legend: MessageKey,
    current: DemoState[K],
    options: [DemoState[K], MessageKey][],
  ): TemplateResult {
    const { t } = this.#store;
    return html`
      <fieldset class="segmented">
        <legend>${t(legend)}</legend>
        <div class="segmented-options">
          ${options.map(
            ([value, label]) => html`
              <label class="segmented-option">
                <input
                  type="radio"
                  name="presenter-${name}"
                  .value=${value}
                  .checked=${value === current}
                  @change=${() =>
                    name === 'theme' ? chooseTheme(value as Theme) : updateState({ [name]: value })}
                />
                <span>${t(label)}</span>
              </label>
            `,
          )}
        </div>
      </fieldset>
    `;
  }

  #renderWebhooks(): TemplateResult {
    const { t, value } = this.#store;
    const time = new Intl.DateTimeFormat(value.lang === 'fr' ? 'fr-FR' : 'en-GB', {
      dateStyle: 'short',
      timeStyle: 'short',
    });
    return html`
      <section class="presenter-section presenter-log" aria-labelledby="webhooks-title">
        <h3 id="webhooks-title" class="presenter-subtitle">${t('webhooksTitle')}</h3>
        <ol class="event-log" role="log" aria-labelledby="webhooks-title">
          ${
            this.webhooks.length === 0
              ? html`<li class="event-log-empty">${t('webhooksEmpty')}</li>`
              : this.webhooks.map(({ event }) => {
                  // The session id and consent end are long; the rest says what happened.
                  const rest = Object.fromEntries(
                    Object.entries(event.data).filter(
                      ([name]) => name !== 'sessionId' && name !== 'expiresAt',
                    ),
                  );
                  return html`
                    <li class="event-entry">
                      <div class="event-entry-head">
                        <code class="event-name">${event.type}</code>
                        <time datetime=${event.createdAt}>
                          ${time.format(new Date(event.createdAt))}
                        </time>
                      </div>
                      <pre class="event-detail">${JSON.stringify(rest)}</pre>
                    </li>
                  `;
                })
          }
        </ol>
      </section>
    `;
  }

  #renderLog(): TemplateResult {
    const { t, value } = this.#store;
    const events = listLoggedEvents();
    const time = new Intl.DateTimeFormat(value.lang === 'fr' ? 'fr-FR' : 'en-GB', {
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    return html`
      <section class="presenter-section presenter-log" aria-labelledby="event-log-title">
        <div class="presenter-log-header">
          <h3 id="event-log-title" class="presenter-subtitle">${t('eventLogTitle')}</h3>
          <button
            type="button"
            class="button button-ghost button-small"
            ?disabled=${events.length === 0}
            @click=${() => clearEventLog()}
          >
            ${t('eventLogClear')}
          </button>
        </div>
        <ol class="event-log" role="log" aria-labelledby="event-log-title">
          ${
            events.length === 0
              ? html`<li class="event-log-empty">${t('eventLogEmpty')}</li>`
              : events.map(
                  (entry) => html`
                    <li class="event-entry">
                      <div class="event-entry-head">
                        <code class="event-name event-${entry.name.slice('bank-connect-'.length)}"
                          >${entry.name}</code
                        >
                        <time datetime=${entry.time.toISOString()}>${time.format(entry.time)}</time>
                      </div>
                      <pre class="event-detail">${entry.detail}</pre>
                    </li>
                  `,
                )
          }
        </ol>
      </section>
    `;
  }
}
