/** Set by the drop-in build (vite.config.ts `define`); absent from the ES build and the sources. */
declare const __BANK_CONNECT_DROP_IN__: boolean | undefined;

/**
 * The BFF that served this script, for a drop-in loaded from one: the URL the entry came from,
 * without `bank-connect.js` (or the pinned `bank-connect/<version>/bank-connect.js`), so that
 * `<script type="module" src="https://bff.example/bank-connect.js">` needs no `bff` attribute.
 * An app's bundle (the ES build) has no such default: its own URL says nothing of the BFF.
 */
export function findServingBff(): string | undefined {
  if (typeof __BANK_CONNECT_DROP_IN__ === 'undefined' || !__BANK_CONNECT_DROP_IN__)
    return undefined;
  return import.meta.url.replace(/(bank-connect\/[^/]+\/)?bank-connect\.js([?#].*)?$/, '');
}
