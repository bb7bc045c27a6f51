import { unsafeCSS, type CSSResult } from 'lit';

/**
 * A `css` tag for one literal without interpolations: the same `CSSResult` as Lit's, without the
 * run-time check of interpolated values that Lit's tag carries (147 B gzip in the drop-in).
 * TypeScript refuses an interpolation (the tag takes one argument), and nothing but this file's
 * literal reaches it, so `unsafeCSS` has nothing unsafe to pass.
 */
function css(strings: TemplateStringsArray): CSSResult {
  return unsafeCSS(strings[0]);
}

/**
 * The element's only styles: adopted style sheets, so a page with `style-src 'self'` needs no
 * `unsafe-inline`. Theming goes through `--bank-connect-*` properties and `::part()`.
 */
export const bankConnectStyles = css`
  :host {
    --bank-connect-font-family: system-ui, sans-serif;
    --bank-connect-font-size: 1rem;
    --bank-connect-background: #fff;
    --bank-connect-foreground: #1a1d24;
    --bank-connect-muted: #5b6270;
    --bank-connect-border: #c9ced8;
    --bank-connect-accent: #0b57d0;
    --bank-connect-accent-foreground: #fff;
    --bank-connect-danger: #b3261e;
    --bank-connect-success: #146c2e;
    --bank-connect-option-active: #e8f0fe;
    --bank-connect-radius: 0.5rem;
    --bank-connect-spacing: 1rem;
    --bank-connect-list-height: 18rem;
    --bank-connect-focus-ring: 0 0 0 3px rgb(11 87 208 / 45%);
    --bank-connect-transition: 150ms ease-out;

    display: block;
    font-family: var(--bank-connect-font-family);
    font-size: var(--bank-connect-font-size);
    color: var(--bank-connect-foreground);
  }

  @media (prefers-color-scheme: dark) {
    :host {
      --bank-connect-background: #1b1e24;
      --bank-connect-foreground: #eef0f4;
      --bank-connect-muted: #b2b8c4;
      --bank-connect-border: #4a505c;
      --bank-connect-accent: #a8c7fa;
      --bank-connect-accent-foreground: #0a1f44;
      --bank-connect-danger: #f2b8b5;
      --bank-connect-success: #8fd6a0;
      --bank-connect-option-active: #2b3645;
      --bank-connect-focus-ring: 0 0 0 3px rgb(168 199 250 / 55%);
    }
  }

  @media (prefers-reduced-motion: reduce) {
    :host {
      --bank-connect-transition: 0s;
    }
  }

  :host([hidden]) {
    display: none;
  }

  [hidden] {
    display: none !important;
  }

  .base,
  input,
  button,
  [role='listbox'] {
    border: 1px solid var(--bank-connect-border);
    border-radius: var(--bank-connect-radius);
  }

  input,
  button {
    font: inherit;
    color: inherit;
    background: none;
  }

  .base {
    background: var(--bank-connect-background);
    padding: var(--bank-connect-spacing);
  }

  h2 {
    font-size: 1.25em;
    margin: 0 0 calc(var(--bank-connect-spacing) / 2);
  }

  h2:focus {
    outline: none;
  }

  p {
    margin: 0 0 calc(var(--bank-connect-spacing) / 2);
  }

  label {
    display: block;
    font-weight: 600;
    margin-bottom: 0.25rem;
  }

  input {
    box-sizing: border-box;
    width: 100%;
    padding: 0.5rem 0.75rem;
  }

  input:focus-visible,
  button:focus-visible {
    outline: none;
    box-shadow: var(--bank-connect-focus-ring);
  }

  [role='listbox'] {
    list-style: none;
    margin: 0.5rem 0;
    padding: 0;
    max-height: var(--bank-connect-list-height);
    overflow-y: auto;
  }

  [role='option'] {
    display: flex;
    align-items: center;
    gap: 0.75rem;
    padding: 0.5rem 0.75rem;
    cursor: pointer;
    transition: background-color var(--bank-connect-transition);
  }

  [role='option'][aria-selected='true'] {
    background: var(--bank-connect-option-active);
    outline: 2px solid var(--bank-connect-accent);
    outline-offset: -2px;
  }

  [role='option'] img {
    object-fit: contain;
    flex: none;
  }

  .name {
    flex: 1;
  }

  .tag,
  .hint {
    color: var(--bank-connect-muted);
    font-size: 0.875em;
  }

  ul.scopes {
    margin: 0 0 calc(var(--bank-connect-spacing) / 2);
    padding-inline-start: 1.25rem;
  }

  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    margin-top: var(--bank-connect-spacing);
  }

  button {
    cursor: pointer;
    padding: 0.5rem 1rem;
    transition: filter var(--bank-connect-transition);
  }

  button.primary {
    background: var(--bank-connect-accent);
    border-color: var(--bank-connect-accent);
    color: var(--bank-connect-accent-foreground);
  }

  button:hover {
    filter: brightness(0.95);
  }

  .error h2 {
    color: var(--bank-connect-danger);
  }

  .connected h2 {
    color: var(--bank-connect-success);
  }

  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
`;
