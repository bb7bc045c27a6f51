import type { frConsent } from './fr-consent.js';

/**
 * French messages of the first screens (loading, the bank list, errors), the default language
 * and part of the entry. Those of the consent and the views after it are in `fr-consent.ts`,
 * which comes with the authorization flow. These two files and `en.ts` hold the only
 * user-facing text. A view's heading is the message named after the view (`choose`, `confirm`,
 * `popup-blocked`…); a scope's description is `scope_<scope>`, a cancel reason's text
 * `cancelled_<reason>`.
 */
export const fr = {
  choose: 'Connecter votre banque',
  loading: 'Chargement des banques…',
  searchLabel: 'Rechercher votre banque',
  searchPlaceholder: 'Nom de la banque',
  lastUsed: 'Dernière utilisée',
  noResults: 'Aucune banque ne correspond à « {query} ».',
  refineSearch: '{shown} banques affichées sur {total} : affinez la recherche.',
  resultsCount: '{count} banques',
  error: 'La connexion a échoué',
  errorGeneric: 'Une erreur est survenue. Code : {code}.',
  errorConfig: 'Ce module est mal configuré. Code : {code}.',
  errorUnreachable: 'Le service est injoignable. Vérifiez votre connexion.',
  errorBank: 'Votre banque n’a pas pu répondre. Réessayez dans quelques minutes.',
  errorExpired: 'Cette demande a expiré. Recommencez.',
  errorSecurity: 'La réponse de la banque n’a pas passé nos contrôles de sécurité. Recommencez.',
  retry: 'Réessayer',
  startOver: 'Recommencer',
} as const;

/** A message key: every user-facing string of the widget. */
export type MessageKey = keyof typeof fr | keyof typeof frConsent;

/** A complete catalogue of messages in one language. */
export type Messages = Record<MessageKey, string>;
