/**
 * The consent chunk, which the element fetches once a bank is chosen or a flow comes back
 * (`authorization/load-flow.ts`): the consent and the views after it with their French
 * messages, and the authorization flow with its PKCE and callback checks. The element shows the
 * consent only once this chunk is there, so that its button opens the bank's popup in the click
 * itself.
 */
export { AuthorizationFlow } from './authorization/authorization-flow.js';
export { renderConsentView } from './consent-views.js';
export { frConsent } from './locales/fr-consent.js';
