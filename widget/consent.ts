/**
 * The consent chunk, which the element fetches once a bank is chosen or a flow comes back
 * (`authorization/load-flow.ts`): the authorization flow, its PKCE and callback checks, and the French
 * messages of the consent and the views after it. The element shows the consent only once this
 * chunk is there, so that its button opens the bank's popup in the click itself.
 */
export { AuthorizationFlow } from './authorization/authorization-flow.js';
export { frConsent } from './locales/fr-consent.js';
