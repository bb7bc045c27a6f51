import { html, nothing, svg, type PropertyValues, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import type { AspspSummary } from '../../../backend-for-frontend/contract/index.js';
import {
  pickMonthEnds,
  reconstructDailyBalances,
  sumDailyBalances,
  type DailyBalance,
} from './balance-history.js';
import {
  createBankConnectClient,
  type BankConnectError,
  type BankConnectErrorCode,
} from '../../../widget/client.js';
import {
  categorise,
  formatLabel,
  isInternalTransfer,
  summariseSpending,
  type Category,
} from './categorise.js';
import { CHART_PADDING, layOutChart } from './chart-geometry.js';
import { loadDashboard, transactionDate, type DashboardData } from './dashboard-data.js';
import { forgetSession, updateState } from './demo-state.js';
import type { MessageKey } from './i18n.js';
import { LightElement } from './light-element.js';
import { addDays, formatCents, formatDate, parseCents, today } from './money.js';
import { readLastSync, type SyncSummary } from './scenarios.js';
import { StoreController } from './store-controller.js';

const CATEGORY_MESSAGES: Record<Category, MessageKey> = {
  courses: 'categoryCourses',
  logement: 'categoryLogement',
  transport: 'categoryTransport',
  abonnements: 'categoryAbonnements',
  loisirs: 'categoryLoisirs',
  sante: 'categorySante',
  retraits: 'categoryRetraits',
  autres: 'categoryAutres',
};

const MIN_CHART_HEIGHT = 200;
const SPENDING_DAYS = 30;
const LATEST_COUNT = 8;

type Status = 'idle' | 'loading' | 'ready' | 'reauth' | 'error';

/** `fourmi-reconnect`: the customer asked to renew the consent with this bank. */
export interface ReconnectDetail {
  aspsp: string;
}

declare global {
  interface GlobalEventHandlersEventMap {
    'fourmi-reconnect': CustomEvent<ReconnectDetail>;
  }
}

/**
 * The connected customer's dashboard: accounts and balances, a chart of the balance over six
 * months, spending by category and the latest transactions, all fetched through the BFF with the
 * session handle and `@bank-connect/widget/client`, whose DPoP proofs come from the key the
 * widget bound the handle to. When the consent has expired it shows a banner whose button sends
 * `fourmi-reconnect`; the page then gives the widget the handle to renew it.
 */
export class FourmiDashboard extends LightElement {
  #store = new StoreController(this);

  @state() private status: Status = 'idle';
  @state() private data: DashboardData | undefined;
  @state() private failure: { code: BankConnectErrorCode; aspsp: string | undefined } | undefined;
  @state() private chartSize = { width: 640, height: 260 };
  @state() private directory: AspspSummary[] = [];
  /** What Fourmi's server last synced of this session, without the customer. */
  @state() private lastSync: SyncSummary | undefined;

  /** Base URL of the BFF, from `/config.json`. */
  @property({ attribute: 'bff' }) bff = '';

  #directory: Promise<AspspSummary[]> | undefined;
  #loaded = '';
  #generation = 0;
  // The chart is drawn at the size of its frame, so that text stays at its real size.
  #resize = new ResizeObserver((entries) => {
    const box = entries[0]?.contentRect;
    const width = Math.round(box?.width ?? 0);
    const height = Math.round(box?.height ?? 0);
    const { width: oldWidth, height: oldHeight } = this.chartSize;
    if (
      width > 0 &&
      height > 0 &&
      (Math.abs(width - oldWidth) > 2 || Math.abs(height - oldHeight) > 2)
    ) {
      this.chartSize = { width, height };
    }
  });

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#resize.disconnect();
  }

  protected override willUpdate(_changed: PropertyValues): void {
    const { session } = this.#store.value;
    const key = `${this.bff}|${session ?? ''}`;
    if (key === this.#loaded) return;
    this.#loaded = key;
    if (this.bff && session) void this.refresh();
    else {
      this.#generation += 1;
      this.status = 'idle';
      this.data = undefined;
    }
  }

  protected override updated(): void {
    const frame = this.querySelector('.chart-frame');
    if (frame) this.#resize.observe(frame);
  }

  /** Fetches everything again, keeping what is on screen until the new data arrives. */
  async refresh(): Promise<void> {
    const { session } = this.#store.value;
    if (!this.bff || !session) return;
    const generation = ++this.#generation;
    const client = createBankConnectClient({ bff: this.bff, sessionHandle: session });
    if (!this.#directory) {
      this.#directory = client.aspsps().then((directory) => directory.aspsps);
      this.#directory.then(
        (aspsps) => (this.directory = aspsps),
        () => (this.#directory = undefined),
      );
    }
    this.status = 'loading';
    this.failure = undefined;
    try {
      const data = await loadDashboard(client, today(), this.#directory);
      if (generation !== this.#generation) return;
      this.data = data;
      this.status = 'ready';
      updateState({ aspsp: data.session.aspsp });
      this.lastSync = await readLastSync(data.session.id).catch(() => undefined);
    } catch (error) {
      if (generation !== this.#generation) return;
      const failure = error as Partial<BankConnectError>;
      const code = failure.code ?? 'BFF_BAD_RESPONSE';
      // An unknown handle, or one this browser cannot prove (its key gone with the site's
      // storage): there is no session to show, only a bank to connect again.
      if (/^SESSION_REQUIRED$|DPOP_PROOF/.test(code)) {
        forgetSession();
        return;
      }
      const aspsp = failure.aspsp ?? this.data?.session.aspsp ?? this.#store.value.aspsp;
      this.failure = { code, aspsp: aspsp ?? undefined };
      this.status = code === 'REAUTH_REQUIRED' ? 'reauth' : 'error';
    }
  }

  async #handleDisconnect(): Promise<void> {
    const { session } = this.#store.value;
    if (session) {
      // Forget the session locally even if the BFF cannot be reached: the customer asked for it.
      await createBankConnectClient({ bff: this.bff, sessionHandle: session })
        .disconnect()
        .catch(() => undefined);
    }
    forgetSession();
  }

  #handleReconnect(aspsp: string): void {
    this.dispatchEvent(
      new CustomEvent('fourmi-reconnect', { detail: { aspsp }, bubbles: true, composed: true }),
    );
  }

  #nameOf(aspsp: string | undefined): string {
    const bank = this.directory.find((entry) => entry.id === aspsp);
    return bank?.name ?? this.#store.t('yourBank');
  }

  protected override render(): TemplateResult | typeof nothing {
    if (this.status === 'idle') return nothing;
    const { t } = this.#store;
    const data = this.data;
    const busy = this.status === 'loading';
    return html`
      <section class="dashboard" aria-label=${t('accountsRegion')} aria-busy=${busy}>
        ${this.#renderHeader(data, busy)} ${this.#renderBanner()}
        ${data ? this.#renderLifecycle(data) : nothing}
        ${busy && !data ? html`<p class="visually-hidden" role="status">${t('loading')}</p>` : nothing}
        ${data ? this.#renderData(data) : busy ? this.#renderSkeleton() : nothing}
      </section>
    `;
  }

  #renderHeader(data: DashboardData | undefined, busy: boolean): TemplateResult {
    const { t, value } = this.#store;
    const bank = data?.bank;
    const name = data?.identity?.firstName ?? data?.identity?.fullName;
    return html`
      <header class="dashboard-header">
        <div class="dashboard-heading">
          ${
            data
              ? html`<p class="dashboard-bank">
                  ${bank ? html`<img class="bank-logo" src=${bank.logoUrl} alt="" width="24" height="24" />` : nothing}
                  <span>${t('connectedTo', { bank: bank?.name ?? data.session.aspsp })}</span>
                  <span class="dashboard-consent"
                    >·
                    ${t('consentUntil', { date: formatDate(data.session.expiresAt.slice(0, 10), value.lang, 'long') })}</span
                  >
                </p>`
              : busy
                ? html`<p class="dashboard-bank">
                    <span class="skeleton skeleton-text-sm"></span>
                  </p>`
                : nothing
          }
          <h1 class="dashboard-title">${name ? t('greeting', { name }) : t('greetingFallback')}</h1>
        </div>
        <div class="dashboard-actions">
          <button
            type="button"
            class="button button-secondary"
            ?disabled=${busy}
            @click=${() => void this.refresh()}
          >
            <svg class="icon" viewBox="0 0 24 24" aria-hidden="true">
              <path d="M20 11a8 8 0 1 0-2.3 5.7M20 5v6h-6" />
            </svg>
            ${t('refresh')}
          </button>
          <button
            type="button"
            class="button button-secondary"
            @click=${() => void this.#handleDisconnect()}
          >
            ${t('disconnect')}
          </button>
        </div>
      </header>
    `;
  }

  #renderBanner(): TemplateResult | typeof nothing {
    const { t } = this.#store;
    const failure = this.failure;
    if (!failure) return nothing;
    const bank = this.#nameOf(failure.aspsp);
    if (this.status === 'reauth') {
      return html`
        <div class="banner banner-warning" role="alert">
          <div>
            <h2 class="banner-title">${t('reauthTitle')}</h2>
            <p>${t('reauthBody', { bank })}</p>
          </div>
          <button
            type="button"
            class="button button-primary"
            @click=${() => this.#handleReconnect(failure.aspsp ?? '')}
          >
            ${t('reconnect', { bank })}
          </button>
        </div>
      `;
    }
    const message =
      failure.code === 'BANK_UNAVAILABLE' || failure.code === 'BANK_ERROR'
        ? t('errorBankUnavailable', { bank })
        : failure.code === 'BANK_TIMEOUT'
          ? t('errorBankTimeout', { bank })
          : failure.code === 'BFF_UNREACHABLE'
            ? t('errorNetwork')
            : t('errorGeneric', { code: failure.code });
    return html`
      <div class="banner banner-danger" role="alert">
        <div>
          <h2 class="banner-title">${t('errorTitle')}</h2>
          <p>${message}</p>
        </div>
        <button type="button" class="button button-secondary" @click=${() => void this.refresh()}>
          ${t('retry')}
        </button>
      </div>
    `;
  }

  /**
   * The consent's life as Fourmi sees it: a banner to renew once the consent nears its end (the
   * BFF says `expiring`), and when its server last synced the accounts without the customer.
   */
  #renderLifecycle(data: DashboardData): TemplateResult {
    const { t, value } = this.#store;
    const { session } = data;
    const bank = this.#nameOf(session.aspsp);
    const sync = this.lastSync;
    const time = (iso: string) =>
      new Intl.DateTimeFormat(value.lang === 'fr' ? 'fr-FR' : 'en-GB', {
        hour: '2-digit',
        minute: '2-digit',
      }).format(new Date(iso));
    return html`
      ${
        session.status === 'expiring'
          ? html`<div class="banner banner-warning" role="status">
              <div>
                <h2 class="banner-title">
                  ${t('expiringTitle', { bank, date: formatDate(session.expiresAt.slice(0, 10), value.lang, 'long') })}
                </h2>
                <p>${t('expiringBody', { bank })}</p>
              </div>
              <button
                type="button"
                class="button button-primary"
                @click=${() => this.#handleReconnect(session.aspsp)}
              >
                ${t('renew')}
              </button>
            </div>`
          : nothing
      }
      ${
        sync && !sync.error
          ? html`<p class="dashboard-sync">
              ${t('syncedWithoutYou', {
                date: formatDate(sync.syncedAt.slice(0, 10), value.lang, 'long'),
                time: time(sync.syncedAt),
              })}
              ${sync.source === 'cache' ? html`${t('syncedFromCache', { time: time(sync.asOf) })}` : nothing}
              · ${t('syncReadsLeft', { count: String(sync.remaining) })}
            </p>`
          : nothing
      }
    `;
  }

  #renderSkeleton(): TemplateResult {
    const card = html`<div class="card account-card skeleton-card" aria-hidden="true">
      <span class="skeleton skeleton-text-sm"></span>
      <span class="skeleton skeleton-text-lg"></span>
      <span class="skeleton skeleton-text-sm"></span>
    </div>`;
    return html`
      <div class="accounts-grid">${card}${card}${card}</div>
      <div class="insights-grid" aria-hidden="true">
        <div class="card"><span class="skeleton skeleton-chart"></span></div>
        <div class="card"><span class="skeleton skeleton-chart"></span></div>
      </div>
    `;
  }

  #renderData(data: DashboardData): TemplateResult {
    const { t, value } = this.#store;
    const current = data.accounts.filter((view) => view.account.type === 'current' && view.balance);
    const currency = current[0]?.balance?.currency ?? 'EUR';
    const total = current.reduce((sum, view) => sum + (view.balance?.cents ?? 0), 0);
    return html`
      <h2 class="section-title">${t('accountsRegion')}</h2>
      <div class="accounts-grid">
        <div class="card total-card">
          <p class="card-label">${t('totalBalance')}</p>
          <p class="amount-xl">${formatCents(total, currency, value.lang)}</p>
          <p class="card-meta">
            ${t('totalBalanceHint', { date: formatDate(data.today, value.lang) })}
          </p>
        </div>
        ${data.accounts.map((view) => {
          const isCard = view.account.type === 'card';
          return html`
            <article class="card account-card" data-testid="account-card">
              <p class="card-label">${t(isCard ? 'accountTypeCard' : 'accountTypeCurrent')}</p>
              <h3 class="account-name">
                ${view.account.name} <span class="masked">${view.account.maskedIdentifier}</span>
              </h3>
              ${
                view.balance
                  ? html`<p class="amount-lg ${view.balance.cents < 0 ? 'is-negative' : ''}">
                        ${formatCents(view.balance.cents, view.balance.currency, value.lang)}
                      </p>
                      <p class="card-meta">
                        ${t(isCard ? 'cardOutstanding' : 'balanceAt', {
                          date: formatDate(view.balance.date, value.lang),
                        })}
                      </p>`
                  : html`<p class="card-meta">${t('balanceUnavailable')}</p>`
              }
            </article>
          `;
        })}
      </div>
      <div class="insights-grid">
        ${this.#renderChart(data, currency)} ${this.#renderSpending(data, currency)}
      </div>
      ${this.#renderTransactions(data)}
    `;
  }

  #renderChart(data: DashboardData, currency: string): TemplateResult {
    const { t, value } = this.#store;
    const series = data.accounts
      .filter((view) => view.account.type === 'current' && view.balance)
      .map((view) =>
        reconstructDailyBalances(
          view.balance ?? { cents: 0, date: data.today },
          view.transactions.flatMap((transaction) => {
            const date = transactionDate(transaction);
            return transaction.status === 'booked' && date
              ? [{ date, cents: parseCents(transaction.amount.amount) }]
              : [];
          }),
          data.historyFrom,
        ),
      );
    const days: DailyBalance[] = sumDailyBalances(series);
    const months = Math.max(1, pickMonthEnds(days).length - 1);
    const first = days[0];
    const last = days[days.length - 1];
    return html`
      <section class="card chart-card" aria-labelledby="chart-title">
        <div class="card-header">
          <h2 id="chart-title" class="card-title">${t('chartTitle')}</h2>
          <p class="card-meta">${t('chartSubtitle', { count: months })}</p>
        </div>
        <div class="chart-frame">
          ${
            first && last && days.length > 1
              ? html`<p class="visually-hidden">
                    ${t('chartDescription', {
                      from: formatCents(first.cents, currency, value.lang),
                      fromDate: formatDate(first.date, value.lang, 'long'),
                      to: formatCents(last.cents, currency, value.lang),
                      toDate: formatDate(last.date, value.lang, 'long'),
                    })}
                  </p>
                  ${this.#renderChartSvg(days, currency)}`
              : html`<p class="card-meta">${t('chartNoData')}</p>`
          }
        </div>
      </section>
    `;
  }

  #renderChartSvg(days: DailyBalance[], currency: string): TemplateResult {
    const { lang } = this.#store.value;
    const width = Math.max(this.chartSize.width, 240);
    const height = Math.max(this.chartSize.height, MIN_CHART_HEIGHT);
    const geometry = layOutChart(days, width, height);
    const bottom = height - CHART_PADDING.bottom;
    return html`<svg
      class="chart"
      viewBox="0 0 ${width} ${height}"
      width=${width}
      height=${height}
      aria-hidden="true"
      focusable="false"
    >
      ${geometry.ticks.map(
        (tick) => svg`
          <line class="chart-grid" x1=${CHART_PADDING.left} x2=${width - CHART_PADDING.right} y1=${tick.y} y2=${tick.y} />
          <text class="chart-label" x=${CHART_PADDING.left - 10} y=${tick.y} text-anchor="end" dominant-baseline="middle">
            ${formatCents(tick.cents, currency, lang, { whole: true })}
          </text>`,
      )}
      ${geometry.months.map(
        (month) => svg`
          <text class="chart-label" x=${month.x} y=${bottom + 18} text-anchor="middle">
            ${formatDate(month.date, lang, 'month')}
          </text>`,
      )}
      <path class="chart-area" d=${geometry.area} />
      <path class="chart-line" d=${geometry.line} />
      <circle class="chart-dot" cx=${geometry.last.x} cy=${geometry.last.y} r="4.5" />
    </svg>`;
  }

  #renderSpending(data: DashboardData, currency: string): TemplateResult {
    const { t, value } = this.#store;
    const since = addDays(data.today, -SPENDING_DAYS);
    const totals = summariseSpending(
      data.accounts.flatMap((view) =>
        view.transactions.flatMap((transaction) => {
          const date = transactionDate(transaction);
          return date && date > since && date <= data.today
            ? [
                {
                  description: transaction.description,
                  cents: parseCents(transaction.amount.amount),
                },
              ]
            : [];
        }),
      ),
    );
    const total = totals.reduce((sum, entry) => sum + entry.cents, 0);
    const percent = new Intl.NumberFormat(value.lang === 'fr' ? 'fr-FR' : 'en-GB', {
      style: 'percent',
      maximumFractionDigits: 0,
    });
    let offset = 0;
    return html`
      <section class="card spending-card" aria-labelledby="spending-title">
        <div class="card-header">
          <h2 id="spending-title" class="card-title">${t('spendingTitle')}</h2>
          <p class="card-meta">${t('spendingSubtitle')}</p>
        </div>
        ${
          total === 0
            ? html`<p class="card-meta">${t('spendingEmpty')}</p>`
            : html`
                <p class="amount-lg">
                  ${t('spendingTotal', { amount: formatCents(total, currency, value.lang) })}
                </p>
                <svg
                  class="spending-bar"
                  viewBox="0 0 100 8"
                  preserveAspectRatio="none"
                  aria-hidden="true"
                  focusable="false"
                >
                  ${totals.map((entry) => {
                    const share = (entry.cents / total) * 100;
                    const rect = svg`<rect class="category-${entry.category}" x=${offset} y="0" width=${share} height="8" />`;
                    offset += share;
                    return rect;
                  })}
                </svg>
                <ul class="spending-list">
                  ${totals.map(
                    (entry) => html`
                      <li class="spending-row">
                        <span
                          class="category-dot category-${entry.category}"
                          aria-hidden="true"
                        ></span>
                        <span class="spending-name">${t(CATEGORY_MESSAGES[entry.category])}</span>
                        <span class="spending-share">
                          <span class="visually-hidden">
                            ${t('spendingShare', { percent: percent.format(entry.cents / total) })}</span
                          ><span aria-hidden="true">${percent.format(entry.cents / total)}</span>
                        </span>
                        <span class="spending-amount"
                          >${formatCents(entry.cents, currency, value.lang)}</span
                        >
                      </li>
                    `,
                  )}
                </ul>
              `
        }
      </section>
    `;
  }

  #renderTransactions(data: DashboardData): TemplateResult {
    const { t, value } = this.#store;
    const latest = data.accounts
      .flatMap((view) =>
        view.transactions.map((transaction) => ({
          transaction,
          account: view.account.name,
          date: transactionDate(transaction) ?? '',
        })),
      )
      .sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0))
      .slice(0, LATEST_COUNT);
    return html`
      <section class="card transactions-card" aria-labelledby="transactions-title">
        <div class="card-header">
          <h2 id="transactions-title" class="card-title">${t('transactionsTitle')}</h2>
        </div>
        ${
          latest.length === 0
            ? html`<p class="card-meta">${t('transactionsEmpty')}</p>`
            : html`<ul class="transaction-list">
                ${latest.map(({ transaction, account, date }) => {
                  const cents = parseCents(transaction.amount.amount);
                  const category = categorise(transaction.description);
                  const kind: MessageKey = isInternalTransfer(transaction.description)
                    ? 'categoryInternal'
                    : cents > 0
                      ? 'categoryIncome'
                      : CATEGORY_MESSAGES[category];
                  const dot = cents > 0 || kind === 'categoryInternal' ? 'neutral' : category;
                  return html`
                    <li class="transaction-row" data-testid="transaction-row">
                      <span class="category-dot category-${dot}" aria-hidden="true"></span>
                      <span class="transaction-main">
                        <span class="transaction-label"
                          >${formatLabel(transaction.description)}</span
                        >
                        <span class="transaction-meta">
                          ${date ? formatDate(date, value.lang) : ''} · ${t(kind)}<span
                            class="transaction-account"
                          >
                            · ${account}</span
                          >
                          ${
                            transaction.status === 'pending'
                              ? html`<span class="chip">${t('pending')}</span>`
                              : nothing
                          }
                        </span>
                      </span>
                      <span class="transaction-amount ${cents > 0 ? 'is-credit' : ''}">
                        ${formatCents(cents, transaction.amount.currency, value.lang, { signed: true })}
                      </span>
                    </li>
                  `;
                })}
              </ul>`
        }
      </section>
    `;
  }
}
