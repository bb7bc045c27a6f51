import { BankConnect } from './bank-connect.js';

/** The tag name `<bank-connect>` is registered under. */
export const TAG_NAME = 'bank-connect';

/**
 * Registers `<bank-connect>` unless something already did: loading the script twice, or two
 * bundles each carrying a copy, must neither throw nor register a second class. Does nothing
 * where there is no custom element registry (server-side rendering).
 */
export function defineBankConnect(): void {
  if (typeof customElements === 'undefined' || customElements.get(TAG_NAME)) return;
  customElements.define(TAG_NAME, BankConnect);
}

declare global {
  interface HTMLElementTagNameMap {
    'bank-connect': BankConnect;
  }
}
