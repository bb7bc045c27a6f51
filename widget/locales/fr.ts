/**
 * French messages, the default language. The keys typed here are the only user-facing text.
 * A view's heading is the message named after the view (`choose`, `confirm`, `popup-blocked`…);
 * a scope's description is `scope_<scope>`, a cancel reason's text `cancelled_<reason>`.
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
  confirm: 'Partager vos données avec {site}',
  confirmIntro: 'En continuant, vous autorisez {site} à accéder, via {bank}, à :',
  scope_aisp: 'vos comptes, leurs soldes et leurs opérations',
  scope_cbpii: 'la confirmation de la disponibilité des fonds',
  scope_extended_transaction_history: 'l’historique de vos opérations au-delà de 90 jours',
  confirmDuration: 'Pour {days} jours. Vous pouvez retirer ce consentement à tout moment.',
  confirmDurationUnknown:
    'Pour 180 jours au plus. Vous pouvez retirer ce consentement à tout moment.',
  confirmBank:
    'Vous vous identifierez sur le site de votre banque ; {site} ne voit jamais vos identifiants.',
  reconnectIntro: 'Votre accès à {bank} a expiré : identifiez-vous à nouveau pour le renouveler.',
  continueToBank: 'Continuer vers {bank}',
  changeBank: 'Changer de banque',
  waiting: 'Identification en cours chez {bank}',
  waitingHint: 'Terminez dans la fenêtre de votre banque. Vous ne la voyez pas ?',
  reopenWindow: 'Rouvrir la fenêtre de la banque',
  cancel: 'Annuler',
  redirecting: 'Redirection vers {bank}…',
  completing: 'Finalisation de la connexion…',
  'popup-blocked': 'La fenêtre de la banque a été bloquée',
  popupBlockedHint: 'Votre navigateur a bloqué la fenêtre. Vous pouvez continuer dans cet onglet.',
  continueHere: 'Continuer dans cet onglet',
  tryPopupAgain: 'Réessayer la fenêtre',
  connected: 'Banque connectée',
  connectedBody: '{bank} est connectée.',
  cancelled: 'Connexion annulée',
  cancelled_popup_closed: 'La fenêtre de la banque a été fermée avant la fin.',
  cancelled_bank_denied: 'Vous avez refusé l’accès sur le site de votre banque.',
  cancelled_user: 'Vous avez annulé la connexion.',
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
export type MessageKey = keyof typeof fr;

/** A complete catalogue of messages in one language. */
export type Messages = Record<MessageKey, string>;
