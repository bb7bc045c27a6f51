/** French messages, the default language. The keys typed here are the only user-facing text. */
export const fr = {
  title: 'Connecter votre banque',
  loading: 'Chargement des banques…',
  searchLabel: 'Rechercher votre banque',
  searchPlaceholder: 'Nom de la banque',
  lastUsed: 'Dernière utilisée',
  noResults: 'Aucune banque ne correspond à « {query} ».',
  refineSearch: '{shown} banques affichées sur {total} : affinez la recherche.',
  resultsCount: '{count} banques',
  confirmTitle: 'Partager vos données avec {site}',
  confirmIntro: 'En continuant, vous autorisez {site} à accéder, via {bank}, à :',
  scopeAisp: 'vos comptes, leurs soldes et leurs opérations',
  scopeCbpii: 'la confirmation de la disponibilité des fonds',
  scopeExtendedHistory: 'l’historique de vos opérations au-delà de 90 jours',
  confirmDuration: 'Pour {days} jours. Vous pouvez retirer ce consentement à tout moment.',
  confirmDurationUnknown:
    'Pour 180 jours au plus. Vous pouvez retirer ce consentement à tout moment.',
  confirmBank:
    'Vous vous identifierez sur le site de votre banque ; {site} ne voit jamais vos identifiants.',
  reconnectIntro: 'Votre accès à {bank} a expiré : identifiez-vous à nouveau pour le renouveler.',
  continueToBank: 'Continuer vers {bank}',
  changeBank: 'Changer de banque',
  waitingTitle: 'Identification en cours chez {bank}',
  waitingHint: 'Terminez dans la fenêtre de votre banque. Vous ne la voyez pas ?',
  reopenWindow: 'Rouvrir la fenêtre de la banque',
  cancel: 'Annuler',
  redirecting: 'Redirection vers {bank}…',
  completing: 'Finalisation de la connexion…',
  popupBlockedTitle: 'La fenêtre de la banque a été bloquée',
  popupBlockedHint: 'Votre navigateur a bloqué la fenêtre. Vous pouvez continuer dans cet onglet.',
  continueHere: 'Continuer dans cet onglet',
  tryPopupAgain: 'Réessayer la fenêtre',
  connectedTitle: 'Banque connectée',
  connectedBody: '{bank} est connectée.',
  cancelledTitle: 'Connexion annulée',
  cancelledPopupClosed: 'La fenêtre de la banque a été fermée avant la fin.',
  cancelledBankDenied: 'Vous avez refusé l’accès sur le site de votre banque.',
  cancelledUser: 'Vous avez annulé la connexion.',
  errorTitle: 'La connexion a échoué',
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
