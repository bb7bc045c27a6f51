/** The fragment parameter the BFF's callback puts first: which flow the rest belongs to. */
export const FLOW_FRAGMENT_PARAM = 'bank_connect_flow';

/** A flow result found in the page's fragment. */
export interface ReturnedFlow {
  flowId: string;
  /** The bank's response parameters (`code`, `state`, `iss` or `error`), without the flow id. */
  response: URLSearchParams;
}

/**
 * Reads `#bank_connect_flow=<id>&code=…&state=…&iss=…`, as the BFF's callback sets it. Part of
 * the entry: it tells the element, before anything else, to fetch the flow and complete it.
 */
export function readReturnedFlow(hash: string): ReturnedFlow | undefined {
  const params = new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : hash);
  const flowId = params.get(FLOW_FRAGMENT_PARAM);
  if (!flowId) return undefined;
  params.delete(FLOW_FRAGMENT_PARAM);
  return { flowId, response: params };
}
