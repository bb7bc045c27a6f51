/**
 * Where the authorization flow module comes from: a chunk of its own (with oauth4webapi), in the
 * drop-in and in the ES build, which the page fetches only once the customer has chosen a bank or
 * comes back from one. Tests replace `load` to see the fetch fail.
 */
export const flowModule = {
  load: () => import('./authorization-flow.js'),
};
