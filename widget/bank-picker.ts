import { html, nothing, type ReactiveController, type ReactiveControllerHost } from 'lit';
import type { AspspSummary } from './contract.js';
import type { MessageKey } from './locales/fr.js';

/** How many options are rendered at most: enough to scan, few enough to stay fast at 400 banks. */
export const MAX_RENDERED_OPTIONS = 50;

/**
 * How many options the list shows first when the directory arrives: a screenful (the list is
 * 18rem high, about seven options). The others follow once that frame is painted, so the
 * customer sees banks and can type sooner (bench: `speed`).
 */
export const FIRST_SCREENFUL = 10;

const LAST_USED_KEY = 'bank-connect:last-aspsp';
const OPTION_ID = 'bank-option-';

/** A click in the list keeps the focus in the search field (the APG combobox pattern). */
const keepFocus = (event: Event): void => event.preventDefault();

/** Lower-case, accents and punctuation removed: "Société Générale" → "societe generale". */
export function normaliseForSearch(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** The id of the bank last connected in this browser: an id, nothing personal. */
export function readLastUsedAspsp(): string | undefined {
  try {
    return globalThis.localStorage?.getItem(LAST_USED_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Remembers the bank just connected, to show it first next time. */
export function rememberLastUsedAspsp(id: string): void {
  try {
    globalThis.localStorage?.setItem(LAST_USED_KEY, id);
  } catch {
    // Storage may be disabled; the picker then simply has no "last used" entry.
  }
}

interface Entry {
  aspsp: AspspSummary;
  /** The search key, built on the first search: most customers pick without typing. */
  key?: string;
}

function searchKeyOf(entry: Entry): string {
  return (entry.key ??= normaliseForSearch(`${entry.aspsp.name} ${entry.aspsp.bic}`));
}

/** What the picker needs from the element that hosts it. */
export interface BankPickerOptions {
  t: (key: MessageKey, params?: Record<string, string | number>) => string;
  onSelect: (aspsp: AspspSummary) => void;
  /** Called once per picker session, when the customer first types. */
  onSearch: () => void;
}

/**
 * Bank search as a WAI-ARIA APG combobox with a listbox popup: the input keeps focus and points
 * at the active option with `aria-activedescendant`. Both live in the host's shadow root, since
 * ARIA id references do not cross shadow boundaries. Names are normalised once, on the first
 * search, so a keystroke costs one substring scan. Members ending in `_` are internal: the build
 * shortens their names (see vite.config.ts).
 */
export class BankPicker implements ReactiveController {
  #host: ReactiveControllerHost & HTMLElement;
  #options: BankPickerOptions;
  #entries: Entry[] = [];
  #lastUsedId: string | undefined;
  #query = '';
  #matches: Entry[] = [];
  #activeIndex = -1;
  #expanded = true;
  #searched = false;
  #scrollPending = false;
  /** Options rendered now: a first screenful until the frame that shows it is painted. */
  #limit = MAX_RENDERED_OPTIONS;

  constructor(host: ReactiveControllerHost & HTMLElement, options: BankPickerOptions) {
    this.#host = host;
    this.#options = options;
    host.addController(this);
  }

  /** Keeps the active option visible after keyboard moves. */
  hostUpdated(): void {
    if (!this.#scrollPending) return;
    this.#scrollPending = false;
    const option = this.#host.shadowRoot?.getElementById(this.#optionId(this.#activeIndex));
    option?.scrollIntoView?.({ block: 'nearest' });
  }

  /**
   * Loads a directory in the order given (the BFF sorts it by name in French collation); the last
   * used bank (`lastUsedId`, from `readLastUsedAspsp`) goes first. Nothing is normalised before
   * the first paint: at 400 banks that would cost more than the first render.
   */
  setDirectory_(aspsps: readonly AspspSummary[], lastUsedId: string | undefined): void {
    this.#lastUsedId = aspsps.some((aspsp) => aspsp.id === lastUsedId) ? lastUsedId : undefined;
    const entries: Entry[] = aspsps.map((aspsp) => ({ aspsp }));
    const last = entries.findIndex((entry) => entry.aspsp.id === this.#lastUsedId);
    if (last > 0) entries.unshift(...entries.splice(last, 1));
    this.#entries = entries;
    this.reset_();
    this.#limit = FIRST_SCREENFUL;
    // A task queued from an animation frame runs after that frame's paint. When typing came
    // first, the limit is already lifted and the update renders the same list.
    // The search keys are built there too, so that the first keystroke does not pay for 400.
    requestAnimationFrame(() =>
      setTimeout(() => {
        this.#limit = MAX_RENDERED_OPTIONS;
        this.#host.requestUpdate();
        this.#entries.forEach(searchKeyOf);
      }),
    );
  }

  /** Back to an empty search, e.g. when the customer returns to the list. */
  reset_(): void {
    this.#query = '';
    this.#searched = false;
    this.#expanded = true;
    this.#filter();
  }

  /** Puts the keyboard focus in the search field. */
  focus_(): void {
    this.#host.shadowRoot?.querySelector<HTMLInputElement>('#bank-search')?.focus();
  }

  #filter(): void {
    this.#limit = MAX_RENDERED_OPTIONS;
    // No query, no terms: the first list costs no normalisation (nor its regexps' compilation).
    const terms = this.#query ? normaliseForSearch(this.#query).split(' ').filter(Boolean) : [];
    this.#matches =
      terms.length === 0
        ? this.#entries
        : this.#entries.filter((entry) => terms.every((term) => searchKeyOf(entry).includes(term)));
    this.#activeIndex = this.#matches.length > 0 ? 0 : -1;
    this.#host.requestUpdate();
  }

  get #renderedCount(): number {
    return Math.min(this.#matches.length, MAX_RENDERED_OPTIONS);
  }

  #optionId(index: number): string {
    return `${OPTION_ID}${index}`;
  }

  #move(index: number): void {
    this.#expanded = true;
    this.#activeIndex = Math.max(0, Math.min(index, this.#renderedCount - 1));
    this.#scrollPending = true;
    this.#host.requestUpdate();
  }

  #select(index: number): void {
    const entry = this.#matches[index];
    if (entry) this.#options.onSelect(entry.aspsp);
  }

  /** One listener for every option, so a new list changes no listener (Lit re-adds new ones). */
  #handleOptionClick = (event: Event): void => {
    this.#select(Number((event.currentTarget as HTMLElement).id.slice(OPTION_ID.length)));
  };

  #handleInput = (event: Event): void => {
    this.#query = (event.target as HTMLInputElement).value;
    this.#expanded = true;
    if (!this.#searched) {
      this.#searched = true;
      this.#options.onSearch();
    }
    this.#filter();
  };

  #handleKeydown = (event: KeyboardEvent): void => {
    const last = this.#renderedCount - 1;
    switch (event.key) {
      case 'ArrowDown':
        this.#move(this.#expanded ? this.#activeIndex + 1 : 0);
        break;
      case 'ArrowUp':
        this.#move(this.#expanded ? this.#activeIndex - 1 : last);
        break;
      case 'Home':
        if (!this.#expanded) return;
        this.#move(0);
        break;
      case 'End':
        if (!this.#expanded) return;
        this.#move(last);
        break;
      case 'Enter':
        if (!this.#expanded || this.#activeIndex < 0) return;
        this.#select(this.#activeIndex);
        break;
      case 'Escape':
        if (this.#expanded && this.#query === '') {
          this.#expanded = false;
          this.#host.requestUpdate();
        } else if (this.#query !== '') {
          (event.target as HTMLInputElement).value = '';
          this.#query = '';
          this.#filter();
        } else {
          return;
        }
        break;
      default:
        return;
    }
    event.preventDefault();
  };

  /** The search field and the list; ids are unique within the host's shadow root. */
  render() {
    const { t } = this.#options;
    const shown = this.#renderedCount;
    const open = this.#expanded && shown > 0;
    const active = open && this.#activeIndex >= 0 ? this.#optionId(this.#activeIndex) : '';
    return html`
      <label part="label" for="bank-search">${t('searchLabel')}</label>
      <input
        id="bank-search"
        part="search-input"
        type="text"
        role="combobox"
        autocomplete="off"
        spellcheck="false"
        aria-autocomplete="list"
        aria-controls="bank-listbox"
        aria-expanded=${open ? 'true' : 'false'}
        aria-activedescendant=${active || nothing}
        aria-describedby="bank-search-hint"
        placeholder=${t('searchPlaceholder')}
        .value=${this.#query}
        @input=${this.#handleInput}
        @keydown=${this.#handleKeydown}
      />
      <ul
        id="bank-listbox"
        part="listbox"
        role="listbox"
        aria-label=${t('searchLabel')}
        ?hidden=${!open}
      >
        ${this.#matches
          .slice(0, Math.min(shown, this.#limit))
          .map((entry, index) => this.#renderOption(entry, index))}
      </ul>
      <p id="bank-search-hint" class="hint" part="hint">
        ${
          this.#matches.length === 0
            ? t('noResults', { query: this.#query })
            : this.#matches.length > shown
              ? t('refineSearch', { shown, total: this.#matches.length })
              : t('resultsCount', { count: this.#matches.length })
        }
      </p>
    `;
  }

  #renderOption(entry: Entry, index: number) {
    const selected = index === this.#activeIndex;
    return html`<li
      id=${this.#optionId(index)}
      part=${selected ? 'option option-active' : 'option'}
      role="option"
      aria-selected=${selected ? 'true' : 'false'}
      data-aspsp=${entry.aspsp.id}
      @mousedown=${keepFocus}
      @click=${this.#handleOptionClick}
    >
      <img part="logo" src=${entry.aspsp.logoUrl} alt="" width="24" height="24" loading="lazy" />
      <span class="name">${entry.aspsp.name}</span>
      ${
        entry.aspsp.id === this.#lastUsedId
          ? html`<span class="tag" part="tag">${this.#options.t('lastUsed')}</span>`
          : nothing
      }
    </li>`;
  }
}
