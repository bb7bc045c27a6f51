/**
 * Where the consent chunk comes from (`widget/consent.ts`: the authorization flow and
 * the French messages of the consent): a chunk of its own, in the drop-in and in
 * the ES build, which the page fetches only once the customer has chosen a bank, has a session,
 * or comes back from a bank. Tests replace `load` to see the fetch fail.
 */
export const flowModule = {
  load: () => import('../consent.js'),
};
