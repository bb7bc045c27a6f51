import type { nothing } from 'lit';
import { html, LitElement, type PropertyValues, type TemplateResult } from 'lit';
import type { AspspSummary, BankScope } from './contract.js';
import { AuthorizationController } from './authorization/authorization-controller.js';
import { readReturnedFlow } from './authorization/returned-flow.js';
import { BankPicker, readLastUsedAspsp, rememberLastUsedAspsp } from './bank-picker.js';
import { BffClient, parseBffUrl } from './bff-client.js';
import { findServingBff } from './served-from.js';
import { BankConnectError, toBankConnectError } from './errors.js';
import {
  emit,
  type CancelReason,
  type FlowStep,
  type StepName,
  type SuccessDetail,
} from './events.js';
import type { MessageKey } from './locales/fr.js';
import { catalogues, loadCatalogue, resolveLang, translate } from './locales/translate.js';
import { bankConnectStyles } from './styles.js';
import { renderText, type Action } from './views.js';

/** The views of the element, one per step of the customer's journey. */
export type BankConnectView =
  | 'loading'
  | 'choose'
  | 'confirm'
  | 'waiting'
  | 'popup-blocked'
  | 'redirecting'
  | 'completing'
  | 'connected'
  | 'cancelled'
  | 'error';

/** The scopes the element can ask for, each described by its `scope_<scope>` message. */
const SCOPES = /^(aisp|cbpii|extended_transaction_history)$/;

/** Where a cancel or an error happened, by view; every other view is the wait for the bank. */
const FLOW_STEPS: Partial<Record<BankConnectView, FlowStep>> = {
  loading: 'choose',
  choose: 'choose',
  confirm: 'confirm',
  'popup-blocked': 'confirm',
  completing: 'completing',
};

/** Errors only the page's developer can fix: the customer gets no button to try again. */
const CONFIG_ERRORS = /^(BFF_MISSING|BFF_INVALID|UNKNOWN_ASPSP)$/;

/**
 * How long the element's first view waits for what it shows (the directory, the session) before
 * it shows its loading view instead. Most answers come sooner: the list then replaces nothing, no
 * flash of "Loading" and no frame spent laying out a view nobody reads.
 */
const LOADING_DELAY_MS = 200;

/**
 * What the customer reads for each family of error codes (`BANK_…`, `FLOW_…`, `…_MISMATCH`, so
 * that a new code of a family reads right); anything else is `errorGeneric`.
 */
const ERROR_MESSAGES: [RegExp, MessageKey][] = [
  [CONFIG_ERRORS, 'errorConfig'],
  [/^(ORIGIN_NOT_ALLOWED|CSRF_HEADER_MISSING)$/, 'errorConfig'],
  [/^(BFF_UNREACHABLE|SCRIPT_LOAD_FAILED)$/, 'errorUnreachable'],
  [/^BANK_/, 'errorBank'],
  [/^FLOW_/, 'errorExpired'],
  [/_MISMATCH$|^INVALID_CALLBACK$/, 'errorSecurity'],
];

/**
 * Open-banking consent for French STET PSD2 banks. The customer picks a bank, signs in there
 * (OAuth 2.0 authorization code with PKCE, through the backend-for-frontend), and the page gets
 * an opaque session handle; no bank token ever reaches the browser.
 *
 * Attributes: `bff` (required), `mode`, `scopes`, `lang`, `aspsp`, `session`, `session-cookie`,
 * `return-to`, `partner`; see each property.
 *
 * @tagname bank-connect
 * @summary Connect a bank account through the bank-connect backend-for-frontend.
 *
 * @event bank-connect-success - `{ sessionHandle, sessionId, aspsp, expiresAt, renewed }`: the bank is
 *   connected; `renewed` when the consent of the `session` was renewed (the handle stays the same).
 *   No `sessionHandle` with `session-cookie`: the handle is in the BFF's HttpOnly cookie.
 * @event bank-connect-cancel - `{ reason, step }`: the customer closed the bank window
 *   (`popup_closed`), refused at the bank (`bank_denied`) or pressed cancel (`user`).
 * @event bank-connect-error - `{ code, message, retryable, step }`: a stable upper-case `code`
 *   such as `BFF_MISSING`, `POPUP_BLOCKED`, `STATE_MISMATCH` or a BFF code upper-cased.
 * @event bank-connect-step - `{ step, aspsp? }`: analytics milestones (`open`, `search`,
 *   `select_bank`, `confirm`, `open_bank_window`, `bank_window_closed`, `bank_window_reopened`,
 *   `popup_blocked`, `handoff`, `resume`, `reconnect`, `renew`, `session_active`, `complete`).
 *
 * @csspart base - The frame around every view.
 * @csspart heading - The title of each view.
 * @csspart label - The search field's label.
 * @csspart search-input - The bank search field (the combobox).
 * @csspart listbox - The list of banks.
 * @csspart option - One bank in the list; the active one also has `option-active`.
 * @csspart option-active - The bank the keyboard is on.
 * @csspart logo - A bank's logo.
 * @csspart tag - The "last used" mark.
 * @csspart hint - Result counts and hints under the list.
 * @csspart consent - The consent text of the confirm view.
 * @csspart actions - The row of buttons.
 * @csspart button - Every button.
 * @csspart primary-button - The main button of a view.
 * @csspart status - The visually hidden live region.
 *
 * @cssproperty --bank-connect-font-family - Font of the whole element.
 * @cssproperty --bank-connect-font-size - Base font size.
 * @cssproperty --bank-connect-background - Background of the frame.
 * @cssproperty --bank-connect-foreground - Text colour.
 * @cssproperty --bank-connect-muted - Secondary text colour.
 * @cssproperty --bank-connect-border - Border colour.
 * @cssproperty --bank-connect-accent - Primary button and focus colour.
 * @cssproperty --bank-connect-accent-foreground - Text on the accent colour.
 * @cssproperty --bank-connect-danger - Error title colour.
 * @cssproperty --bank-connect-success - Connected title colour.
 * @cssproperty --bank-connect-option-active - Background of the active bank.
 * @cssproperty --bank-connect-radius - Corner radius.
 * @cssproperty --bank-connect-spacing - Inner spacing.
 * @cssproperty --bank-connect-list-height - Maximum height of the bank list.
 * @cssproperty --bank-connect-focus-ring - Box shadow of focused controls.
 * @cssproperty --bank-connect-transition - Transition timing; `0s` under reduced motion.
 */
export class BankConnect extends LitElement {
  static override styles = bankConnectStyles;

  /*
   * The reactive properties, declared here rather than with decorators: 15 decorator calls and
   * Lit's decorator module cost 356 B gzip in the drop-in. Attributes are the property names,
   * lower-case, except `return-to`; internal state has none. Each is documented where it is
   * declared below, which is where the Custom Elements Manifest reads it.
   */
  static override properties = {
    view: { state: true },
    directory: { state: true },
    selectedId: { state: true },
    error: { state: true },
    cancelReason: { state: true },
    reconnecting: { state: true },
    bff: {},
    mode: {},
    scopes: {},
    lang: {},
    aspsp: {},
    session: {},
    sessionCookie: { type: Boolean, attribute: 'session-cookie' },
    returnTo: { attribute: 'return-to' },
    partner: {},
  };

  #authorization = new AuthorizationController(this, {
    onStep_: (step) => this.#step(step),
    onWaiting_: (mode) => this.#show(mode === 'popup' ? 'waiting' : 'redirecting', true),
    onPopupBlocked_: () => {
      this.#show('popup-blocked', true);
      emit(this, 'bank-connect-error', {
        code: 'POPUP_BLOCKED',
        message: 'the browser blocked the bank window',
        retryable: true,
        step: 'confirm',
      });
    },
    onCompleting_: () => this.#show('completing', false),
    onConnected_: (session) => this.#handleConnected(session),
    onCancelled_: (reason) => this.#handleCancelled(reason),
    onFailed_: (error) => this.#fail(error),
  });

  #picker = new BankPicker(this, {
    t: (key, params) => this.#t(key, params),
    onSelect: (aspsp) => this.#handleSelect(aspsp),
    onSearch: () => this.#step('search'),
  });

  /** The current view. */
  private view: BankConnectView = 'loading';
  private directory: AspspSummary[] = [];
  private selectedId: string | undefined;
  private error: BankConnectError | undefined;
  private cancelReason: CancelReason = 'user';
  private reconnecting = false;
  /**
   * When the consent being renewed ends, in the customer's words, if it has not ended yet. Set
   * whenever `reconnecting` becomes true, and read only while it is.
   */
  private renewBy: string | undefined;

  /**
   * Base URL of the backend-for-frontend, e.g. `https://bff.example.com/`. Required, except for
   * the drop-in served by a BFF, which defaults to that BFF.
   */
  bff = '';

  /**
   * `popup`, `redirect` or `auto` (default): a popup on desktop, a full-page redirect in in-app
   * browsers and on small screens.
   */
  mode: 'popup' | 'redirect' | 'auto' = 'auto';

  /** Space-separated STET scopes to ask for: `aisp` (default), `cbpii`, `extended_transaction_history`. */
  scopes = 'aisp';

  /** Language of the element: `fr` (default) or `en`. */
  override lang = 'fr';

  /** Id of a bank to preselect: the list is skipped and the consent shown for that bank. */
  aspsp = '';

  /**
   * An existing session handle. If the BFF says its consent is expiring (it says when it ends) or
   * needs re-authentication, the element skips the bank choice and offers to renew the consent
   * with the same bank; the handle stays the same.
   */
  session = '';

  /**
   * The BFF runs in cookie mode (`BFF_COOKIE_MODE`), same-site with this page: the session lives
   * in the BFF's HttpOnly cookie, which the element's calls send, and `bank-connect-success` carries
   * no handle. On start the element asks the BFF for the cookie's session, as for `session`.
   */
  sessionCookie = false;

  /** Redirect mode: where the bank's answer comes back. Defaults to this page without fragment. */
  returnTo = '';

  /**
   * Who the customer shares data with, as the consent text names it (e.g. `Fourmi`). Defaults
   * to the page's host name.
   */
  partner = '';

  #client: BffClient | undefined;
  /** Chunks being fetched (messages, the consent): `updateComplete` waits for them. */
  #loads = new Set<Promise<void>>();
  #catalogueFailed = false;
  /** The language `#loadCatalogue` last asked for: the first update does not ask again. */
  #catalogueLang: string | undefined;
  #showFirstView = (): void => undefined;
  /**
   * Settles when the first view is known (`#show`), or when loading has taken
   * `LOADING_DELAY_MS`: the first update waits for it (`scheduleUpdate`), so that the page lays
   * out no frame that the list replaces at once. Until then the shadow root is empty.
   */
  #firstView: Promise<void> | undefined = new Promise((resolve) => {
    this.#showFirstView = resolve;
  });
  #moveFocus = false;
  #generation = 0;
  /** What `#initialise` last read of the configuration: a change to it starts again. */
  #configuredWith = '';

  protected override scheduleUpdate(): void | Promise<unknown> {
    if (!this.#firstView) return super.scheduleUpdate();
    return this.#firstView.then(() => {
      this.#firstView = undefined;
      return super.scheduleUpdate();
    });
  }

  #configuration(): string {
    return [this.bff, this.session, this.sessionCookie, this.aspsp].join();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#generation += 1;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // At connection: the directory is asked for at once, and the first update waits for it
    // (`scheduleUpdate`). `#initialise` waits a microtask, so properties set just after the
    // element is added to the page are read.
    void this.#initialise();
    // The messages too: the first update may wait for the directory (`scheduleUpdate`).
    this.#loadCatalogue();
  }

  protected override willUpdate(changed: PropertyValues): void {
    if (changed.has('lang') && resolveLang(this.lang) !== this.#catalogueLang)
      this.#loadCatalogue();
  }

  protected override updated(changed: PropertyValues): void {
    // Compared with what the running initialisation read, not with the first update's old
    // values: that update can come after the directory, and a change before it counts too.
    if (this.#configuration() !== this.#configuredWith) void this.#initialise();
    if (changed.has('view') && this.#moveFocus) {
      this.#moveFocus = false;
      this.#focusView();
    }
  }

  /** Starts again from the beginning: reloads the directory and the session, if any. */
  async restart(): Promise<void> {
    await this.#initialise();
  }

  /** The current view, for tests and for pages that adapt their layout around the element. */
  get currentView(): BankConnectView {
    return this.view;
  }

  /** Every message may name the bank and the site, so both are always offered. */
  #t(key: MessageKey, params?: Record<string, string | number>): string {
    return translate(resolveLang(this.lang), key, {
      bank: this.#bankName(),
      site: this.#siteName(),
      ...params,
    });
  }

  /**
   * Fetches the messages of the element's language, unless they are part of the entry. Until they
   * arrive the element shows no text, and `updateComplete` waits for them.
   */
  #loadCatalogue(): void {
    const lang = resolveLang(this.lang);
    this.#catalogueLang = lang;
    if (catalogues.loaded[lang]) return;
    this.#catalogueFailed = false;
    this.#whileLoading(
      loadCatalogue(lang).then(
        () => this.requestUpdate(),
        (cause: unknown) => {
          this.#catalogueFailed = true;
          this.#fail(
            new BankConnectError('SCRIPT_LOAD_FAILED', `the ${lang} messages could not be loaded`, {
              cause,
            }),
          );
        },
      ),
    );
  }

  /** Has `updateComplete` wait for `load`, which handles its own failure. */
  #whileLoading(load: Promise<void>): void {
    this.#loads.add(load);
    void load.then(() => this.#loads.delete(load));
  }

  /** Lit's update promise, which also waits for the chunks being fetched (Lit docs, "Lifecycle"). */
  protected override async getUpdateComplete(): Promise<boolean> {
    let result = await super.getUpdateComplete();
    while (this.#loads.size > 0) {
      await Promise.all(this.#loads);
      result = await super.getUpdateComplete();
    }
    return result;
  }

  #step(step: StepName): void {
    const aspsp = this.selectedId;
    emit(this, 'bank-connect-step', aspsp ? { step, aspsp } : { step });
  }

  #show(view: BankConnectView, moveFocus: boolean): void {
    this.view = view;
    if (view !== 'loading') this.#showFirstView();
    this.#moveFocus = moveFocus;
  }

  /**
   * Shows the consent once the consent chunk is there (its messages come with it), so that
   * "Continue" opens the bank's popup synchronously in the click.
   */
  #showConfirm(moveFocus: boolean): void {
    const generation = this.#generation;
    this.#whileLoading(
      this.#authorization.load_().then(
        () => {
          if (generation === this.#generation && this.selectedId) this.#show('confirm', moveFocus);
        },
        (error: BankConnectError) => {
          if (generation === this.#generation) this.#fail(error, 'confirm');
        },
      ),
    );
  }

  #focusView(): void {
    const root = this.shadowRoot;
    if (!root) return;
    if (this.view === 'choose') {
      this.#picker.focus_();
      return;
    }
    root.querySelector<HTMLElement>('[data-autofocus]')?.focus();
  }

  async #initialise(): Promise<void> {
    const generation = ++this.#generation;
    // Called from update hooks: let the current update finish before changing state again.
    await Promise.resolve();
    if (generation !== this.#generation) return;
    this.#configuredWith = this.#configuration();
    this.error = undefined;
    this.reconnecting = false;
    if (this.view !== 'loading') this.#show('loading', false);
    // The first view waits for the directory, at most this long (`scheduleUpdate`).
    setTimeout(this.#showFirstView, LOADING_DELAY_MS);
    try {
      this.#client = new BffClient(parseBffUrl(this.bff || findServingBff()), this.sessionCookie);
    } catch (error) {
      this.#fail(toBankConnectError(error), 'choose');
      return;
    }
    const client = this.#client;
    const returned = readReturnedFlow(globalThis.location?.hash ?? '');
    const directory = client.listAspsps_().then((result) => result.aspsps);
    // Read while the request travels: a page's first localStorage read costs milliseconds.
    const lastUsed = readLastUsedAspsp();
    if (returned) {
      directory.then((aspsps) => this.#setDirectory(aspsps, lastUsed)).catch(() => undefined);
      const taken = await this.#authorization.resume_(client, returned, this.session || undefined);
      if (taken) return;
    }
    try {
      if (this.session || this.sessionCookie) {
        // A handle that opens no session from this browser: the customer connects a bank afresh.
        const info = await this.#authorization.readSession_(client, this.session || undefined);
        if (generation !== this.#generation) return;
        if (info) {
          this.selectedId = info.aspsp;
          this.#setDirectory(await directory.catch(() => []), lastUsed);
          if (generation !== this.#generation) return;
          if (info.status === 'active') {
            this.#show('connected', false);
            this.#step('session_active');
          } else {
            // Expiring: renew now, while the data still flows; ended: connect again.
            this.renewBy =
              info.status === 'expiring'
                ? new Date(info.expiresAt).toLocaleDateString(resolveLang(this.lang), {
                    dateStyle: 'long',
                  })
                : undefined;
            this.reconnecting = true;
            this.#show('confirm', false);
            this.#step(this.renewBy ? 'renew' : 'reconnect');
          }
          return;
        }
      }
      this.#setDirectory(await directory, lastUsed);
      if (generation !== this.#generation) return;
      if (this.aspsp) {
        const preselected = this.directory.find((aspsp) => aspsp.id === this.aspsp);
        if (!preselected) {
          throw new BankConnectError(
            'UNKNOWN_ASPSP',
            `the aspsp attribute "${this.aspsp}" is not in the directory`,
          );
        }
        this.#handleSelect(preselected, false);
        return;
      }
      this.#show('choose', false);
      this.#step('open');
    } catch (error) {
      if (generation !== this.#generation) return;
      this.#fail(toBankConnectError(error), this.session ? 'session' : 'choose');
    }
  }

  #setDirectory(aspsps: AspspSummary[], lastUsed: string | undefined): void {
    this.directory = aspsps;
    this.#picker.setDirectory_(aspsps, lastUsed);
  }

  #fail(error: BankConnectError, step: FlowStep = this.#flowStep()): void {
    this.error = error;
    this.#show('error', true);
    emit(this, 'bank-connect-error', {
      code: error.code,
      message: error.message,
      retryable: error.retryable,
      step,
    });
  }

  #flowStep(): FlowStep {
    return FLOW_STEPS[this.view] ?? 'waiting';
  }

  /** The chosen bank's directory entry; absent while the directory loads or if it lacks the bank. */
  #selected(): AspspSummary | undefined {
    // Every message asks for the bank's name: with no bank chosen, no scan of the directory.
    return this.selectedId
      ? this.directory.find((aspsp) => aspsp.id === this.selectedId)
      : undefined;
  }

  #bankName(): string {
    return this.#selected()?.name ?? this.selectedId ?? '';
  }

  #siteName(): string {
    return this.partner || (globalThis.location?.hostname ?? '');
  }

  #requestedScopes(): BankScope[] {
    const scopes = this.scopes
      .split(/\s+/)
      .filter((scope): scope is BankScope => SCOPES.test(scope));
    return scopes.length > 0 ? [...new Set(scopes)] : ['aisp'];
  }

  #handleSelect(aspsp: AspspSummary, moveFocus = true): void {
    this.selectedId = aspsp.id;
    this.#step('select_bank');
    this.#showConfirm(moveFocus);
  }

  /** Runs synchronously in the click: the popup must open before any await. */
  #handleContinue(mode: string = this.mode): void {
    const aspsp = this.selectedId;
    const flow = this.#authorization.flow_;
    if (!this.#client || !aspsp || !flow) return;
    this.#step('confirm');
    flow.start_({
      client: this.#client,
      aspsp,
      scopes: this.#requestedScopes(),
      mode,
      returnTo: this.returnTo,
      sessionHandle: this.reconnecting ? this.session : undefined,
    });
  }

  #handleConnected(session: SuccessDetail): void {
    rememberLastUsedAspsp(session.aspsp);
    this.selectedId = session.aspsp;
    this.#show('connected', true);
    // The flow built this detail of the fields events may carry, for this event alone.
    emit(this, 'bank-connect-success', session);
  }

  #handleCancelled(reason: CancelReason): void {
    const step = this.#flowStep();
    this.cancelReason = reason;
    this.#show('cancelled', true);
    emit(this, 'bank-connect-cancel', { reason, step });
  }

  #handleChangeBank(): void {
    this.selectedId = undefined;
    this.reconnecting = false;
    this.#picker.reset_();
    if (this.directory.length === 0) {
      void this.#initialise();
      return;
    }
    this.#show('choose', true);
  }

  #handleRetry(): void {
    this.#loadCatalogue();
    if (this.selectedId) {
      this.#showConfirm(true);
    } else {
      void this.#initialise();
    }
  }

  override render(): TemplateResult {
    // The host's own `lang` is this property, not the attribute screen readers follow.
    const lang = resolveLang(this.lang);
    // Nothing to read until the language's messages arrive, rather than a flash of French; if
    // they cannot be fetched, the element goes on in French.
    if (!catalogues.loaded[lang] && !this.#catalogueFailed) {
      return html`<div class="base" part="base" aria-busy="true"></div>`;
    }
    // Each view's heading is the message named after it, and the live region announces it too;
    // but "Bank connected" alone would not say which bank, so that view announces its body.
    const announced = this.view === 'connected' ? 'connectedBody' : this.view;
    return html`
      <div class="base ${this.view}" part="base" lang=${lang}>
        <h2 part="heading" tabindex="-1" data-autofocus>${this.#t(this.view)}</h2>
        ${this.#renderBody()}
      </div>
      <div class="visually-hidden" part="status" role="status" aria-live="polite" lang=${lang}>
        ${this.#t(announced)}
      </div>
    `;
  }

  /** What follows the heading: the picker, an error, or a view of the consent chunk. */
  #renderBody(): TemplateResult | typeof nothing {
    const retry: Action = ['retry', () => this.#handleRetry()];
    if (this.view === 'choose') return this.#picker.render();
    if (this.view === 'error') return this.#renderError(retry);
    return this.#authorization.render_(this.view, {
      t_: (key, params) => this.#t(key, params),
      reconnecting_: this.reconnecting,
      renewBy_: this.renewBy,
      cancelReason_: this.cancelReason,
      consentDays_: this.#selected()?.consentDays,
      scopes_: this.#requestedScopes(),
      retry_: retry,
      changeBank_: this.reconnecting ? [] : [['changeBank', () => this.#handleChangeBank()]],
      continue_: (mode) => this.#handleContinue(mode),
    });
  }

  #renderError(retry: Action): TemplateResult {
    const code = this.error?.code ?? 'BANK_ERROR';
    const message = ERROR_MESSAGES.find(([codes]) => codes.test(code))?.[1] ?? 'errorGeneric';
    const actions: Action[] = CONFIG_ERRORS.test(code)
      ? []
      : this.error?.retryable
        ? [retry]
        : [['startOver', () => this.#handleChangeBank()]];
    return renderText((key, params) => this.#t(key, params), message, actions, { code });
  }
}
