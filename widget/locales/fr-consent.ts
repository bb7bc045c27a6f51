/**
 * French messages of the consent and of the views after it. They travel in the consent chunk
 * with the authorization flow (`widget/consent.ts`): no customer sees them before choosing a bank.
 */
export const frConsent = {
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
  renewIntro:
    'Votre accès à {bank} expire le {date} : identifiez-vous à nouveau pour le renouveler.',
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
} as const;
