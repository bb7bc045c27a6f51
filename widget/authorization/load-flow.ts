/**
 * Where the authorization flow module comes from. In the ES build it is a chunk of its own (with
 * oauth4webapi), which the page fetches only once the customer has chosen a bank or comes back
 * from one. The drop-in build swaps this file for a static import (`inlineFlowModule` in
 * vite.config.ts): a single file has nothing to fetch, and inlining a dynamic import would wrap
 * every module it reaches in lazy initialisers. Tests replace `load` to see the fetch fail.
 */
export const flowModule = {
  load: () => import('./authorization-flow.js'),
};
