/**
 * The consent chunk, which the element fetches once a bank is chosen, a session is given or a flow
 * comes back (`authorization/load-flow.ts`): the consent and the views after it with their French
 * messages, the authorization flow with its PKCE and callback checks, and the DPoP signer that
 * every call with a proof needs (the session's, the flow's). The element shows the
 * consent only once this chunk is there, so that its button opens the bank's popup in the click
 * itself.
 */
export { AuthorizationFlow } from './authorization/authorization-flow.js';
export { readSession } from './authorization/flow-requests.js';
export { renderConsentView } from './consent-views.js';
export { frConsent } from './locales/fr-consent.js';
