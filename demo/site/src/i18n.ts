/**
 * Every string the Fourmi demo pages show, in French (the default) and English. The widget has
 * its own messages; the page passes it the same `lang`.
 */

/** The languages of the demo. */
export type Lang = 'fr' | 'en';

const fr = {
  appName: 'Fourmi',
  tagline: 'l’appli budget qui met de côté pour vous',
  skipToContent: 'Aller au contenu',
  navLabel: 'Pages de démonstration',
  navScript: 'Intégration script',
  navReact: 'Intégration React',
  switchLang: 'English',
  presenterToggle: 'Mode présentateur',
  pageTitleScript: 'Fourmi — connectez votre banque',
  pageTitleReact: 'Fourmi — intégration React',
  heroEyebrow: 'Budget personnel',
  heroTitle: 'Votre budget, sans effort.',
  heroBody:
    'Connectez votre banque en toute sécurité : Fourmi lit vos comptes, classe vos dépenses et vous montre où va votre argent.',
  heroPointReadOnly: 'Lecture seule : Fourmi ne peut effectuer aucun paiement',
  heroPointConsent: 'Consentement DSP2, révocable à tout moment',
  heroPointPassword: 'Vos identifiants restent chez votre banque',
  integrationScript:
    'Cette page intègre le widget bank-connect avec une simple balise script, sans outil de build.',
  integrationReact:
    'Cette page importe le widget comme module ES dans une application React 19, avec des propriétés et des événements typés.',
  connectTitle: 'Connecter une banque',
  reconnectTitle: 'Renouveler votre consentement',
  configError:
    'La configuration de la démo est introuvable : le serveur doit fournir /config.json.',
  footerNote:
    'Fourmi est une application fictive. Les banques et les comptes sont ceux du bac à sable bank-connect.',
  // Dashboard
  accountsRegion: 'Vos comptes',
  greeting: 'Bonjour {name}',
  greetingFallback: 'Bonjour',
  connectedTo: 'Connecté à {bank}',
  consentUntil: 'consentement valable jusqu’au {date}',
  yourBank: 'votre banque',
  refresh: 'Actualiser',
  disconnect: 'Déconnecter',
  totalBalance: 'Solde total',
  totalBalanceHint: 'Comptes courants, au {date}',
  accountTypeCurrent: 'Compte courant',
  accountTypeCard: 'Carte à débit différé',
  balanceAt: 'Solde au {date}',
  cardOutstanding: 'Encours carte au {date}',
  balanceUnavailable: 'Solde indisponible',
  chartTitle: 'Évolution du solde',
  chartSubtitle: 'Comptes courants, {count} derniers mois',
  chartDescription: 'Le solde est passé de {from} le {fromDate} à {to} le {toDate}.',
  chartNoData: 'Pas assez d’historique pour tracer le solde.',
  spendingTitle: 'Dépenses par catégorie',
  spendingSubtitle: '30 derniers jours',
  spendingTotal: '{amount} dépensés',
  spendingShare: '{percent} des dépenses',
  spendingEmpty: 'Aucune dépense sur la période.',
  categoryCourses: 'Courses et alimentation',
  categoryLogement: 'Logement',
  categoryTransport: 'Transport',
  categoryAbonnements: 'Abonnements',
  categoryLoisirs: 'Loisirs et sorties',
  categorySante: 'Santé',
  categoryRetraits: 'Retraits',
  categoryAutres: 'Autres',
  categoryIncome: 'Revenus',
  categoryInternal: 'Virement interne',
  transactionsTitle: 'Dernières opérations',
  transactionsEmpty: 'Aucune opération récente.',
  pending: 'À venir',
  loading: 'Chargement de vos comptes…',
  reauthTitle: 'Votre consentement a expiré',
  reauthBody:
    '{bank} demande de confirmer à nouveau l’accès à vos comptes. Cela prend une minute ; Fourmi garde vos réglages.',
  reconnect: 'Reconnecter {bank}',
  expiringTitle: 'Votre accès à {bank} expire le {date}',
  expiringBody:
    'Renouvelez-le maintenant en vous identifiant auprès de {bank} : vos comptes restent à jour sans interruption.',
  renew: 'Renouveler maintenant',
  syncedWithoutYou: 'Synchronisé sans vous le {date} à {time}',
  syncedFromCache: 'depuis la dernière lecture ({time})',
  syncReadsLeft: '{count} lectures sans vous restantes sur 24 h',
  errorTitle: 'Impossible de charger vos comptes',
  errorBankUnavailable: '{bank} ne répond pas pour le moment. Réessayez dans quelques instants.',
  errorBankTimeout: '{bank} met trop de temps à répondre. Réessayez dans quelques instants.',
  errorNetwork: 'Le service Fourmi est injoignable. Vérifiez votre connexion.',
  errorGeneric: 'Une erreur inattendue est survenue (code {code}).',
  retry: 'Réessayer',
  // Presenter panel
  presenterTitle: 'Mode présentateur',
  presenterClose: 'Fermer le panneau',
  presenterIntro: 'Réglages de la démo et scénarios du bac à sable, pour montrer chaque parcours.',
  settingMode: 'Parcours bancaire',
  modePopup: 'Fenêtre',
  modeRedirect: 'Redirection',
  settingLang: 'Langue',
  langFr: 'Français',
  langEn: 'English',
  settingTheme: 'Thème',
  themeLight: 'Clair',
  themeDark: 'Sombre',
  settingAccent: 'Couleur de marque',
  accentReset: 'Couleur par défaut',
  scenariosTitle: 'Scénarios de la banque',
  scenarioBank: 'Banque concernée',
  scenarioDown: 'Banque indisponible',
  scenarioConsentExpired: 'Consentement expiré',
  scenarioSlow: 'Banque lente',
  scenarioNormal: 'Rétablir',
  scenarioApplied: 'Scénario « {scenario} » appliqué à {bank}.',
  scenarioFailed: 'Le scénario a échoué : {message}',
  scenarioNoBank: 'Choisissez d’abord une banque.',
  lifecycleTitle: 'Vie du consentement',
  lifecycleNearEnd: 'Avancer à 10 jours de la fin',
  lifecycleSync: 'Synchro de nuit, sans le client',
  lifecycleReset: 'Revenir à l’heure réelle',
  lifecycleWasReset: 'Horloges et banques remises à l’heure réelle.',
  lifecycleMoved: 'Horloge avancée de {days} jours : le consentement {bank} expire bientôt.',
  lifecycleSynced: '{count} session(s) synchronisée(s) sans le client.',
  lifecycleFailed: 'Échec : {message}',
  eventLogTitle: 'Journal des événements',
  eventLogEmpty: 'Les événements bank-connect-* apparaîtront ici.',
  eventLogClear: 'Effacer le journal',
  // Service worker
  updateAvailable: 'Une nouvelle version de Fourmi est disponible.',
  updateReload: 'Recharger',
  updateLater: 'Plus tard',
} as const;

/** The key of a demo message. */
export type MessageKey = keyof typeof fr;

const en: Record<MessageKey, string> = {
  appName: 'Fourmi',
  tagline: 'the budgeting app that saves for you',
  skipToContent: 'Skip to content',
  navLabel: 'Demo pages',
  navScript: 'Script tag',
  navReact: 'React',
  switchLang: 'Français',
  presenterToggle: 'Presenter mode',
  pageTitleScript: 'Fourmi — connect your bank',
  pageTitleReact: 'Fourmi — React integration',
  heroEyebrow: 'Personal budgeting',
  heroTitle: 'Your budget, without the effort.',
  heroBody:
    'Connect your bank securely: Fourmi reads your accounts, sorts your spending and shows you where your money goes.',
  heroPointReadOnly: 'Read-only: Fourmi cannot make any payment',
  heroPointConsent: 'PSD2 consent, revocable at any time',
  heroPointPassword: 'Your credentials stay with your bank',
  integrationScript:
    'This page embeds the bank-connect widget with a plain script tag, no build tool needed.',
  integrationReact:
    'This page imports the widget as an ES module in a React 19 app, with typed properties and events.',
  connectTitle: 'Connect a bank',
  reconnectTitle: 'Renew your consent',
  configError: 'The demo configuration is missing: the server must serve /config.json.',
  footerNote:
    'Fourmi is a fictional app. The banks and accounts are those of the bank-connect sandbox.',
  accountsRegion: 'Your accounts',
  greeting: 'Hello {name}',
  greetingFallback: 'Hello',
  connectedTo: 'Connected to {bank}',
  consentUntil: 'consent valid until {date}',
  yourBank: 'your bank',
  refresh: 'Refresh',
  disconnect: 'Disconnect',
  totalBalance: 'Total balance',
  totalBalanceHint: 'Current accounts, on {date}',
  accountTypeCurrent: 'Current account',
  accountTypeCard: 'Deferred debit card',
  balanceAt: 'Balance on {date}',
  cardOutstanding: 'Card spending on {date}',
  balanceUnavailable: 'Balance unavailable',
  chartTitle: 'Balance over time',
  chartSubtitle: 'Current accounts, last {count} months',
  chartDescription: 'The balance went from {from} on {fromDate} to {to} on {toDate}.',
  chartNoData: 'Not enough history to draw the balance.',
  spendingTitle: 'Spending by category',
  spendingSubtitle: 'Last 30 days',
  spendingTotal: '{amount} spent',
  spendingShare: '{percent} of spending',
  spendingEmpty: 'No spending in this period.',
  categoryCourses: 'Groceries and food',
  categoryLogement: 'Housing',
  categoryTransport: 'Transport',
  categoryAbonnements: 'Subscriptions',
  categoryLoisirs: 'Leisure and going out',
  categorySante: 'Health',
  categoryRetraits: 'Cash withdrawals',
  categoryAutres: 'Other',
  categoryIncome: 'Income',
  categoryInternal: 'Own-account transfer',
  transactionsTitle: 'Latest transactions',
  transactionsEmpty: 'No recent transactions.',
  pending: 'Pending',
  loading: 'Loading your accounts…',
  reauthTitle: 'Your consent has expired',
  reauthBody:
    '{bank} asks you to confirm access to your accounts again. It takes a minute; Fourmi keeps your settings.',
  reconnect: 'Reconnect {bank}',
  expiringTitle: 'Your access to {bank} ends on {date}',
  expiringBody:
    'Renew it now by signing in with {bank}: your accounts stay up to date without a break.',
  renew: 'Renew now',
  syncedWithoutYou: 'Synced without you on {date} at {time}',
  syncedFromCache: 'from the last read ({time})',
  syncReadsLeft: '{count} reads without you left in 24 h',
  errorTitle: 'Your accounts could not be loaded',
  errorBankUnavailable: '{bank} is not answering right now. Try again in a moment.',
  errorBankTimeout: '{bank} is taking too long to answer. Try again in a moment.',
  errorNetwork: 'The Fourmi service cannot be reached. Check your connection.',
  errorGeneric: 'Something unexpected happened (code {code}).',
  retry: 'Try again',
  presenterTitle: 'Presenter mode',
  presenterClose: 'Close the panel',
  presenterIntro: 'Demo settings and sandbox scenarios, to show every path.',
  settingMode: 'Bank journey',
  modePopup: 'Popup',
  modeRedirect: 'Redirect',
  settingLang: 'Language',
  langFr: 'Français',
  langEn: 'English',
  settingTheme: 'Theme',
  themeLight: 'Light',
  themeDark: 'Dark',
  settingAccent: 'Brand colour',
  accentReset: 'Default colour',
  scenariosTitle: 'Bank scenarios',
  scenarioBank: 'Bank',
  scenarioDown: 'Bank down',
  scenarioConsentExpired: 'Consent expired',
  scenarioSlow: 'Slow bank',
  scenarioNormal: 'Reset',
  scenarioApplied: 'Scenario “{scenario}” applied to {bank}.',
  scenarioFailed: 'The scenario failed: {message}',
  scenarioNoBank: 'Choose a bank first.',
  lifecycleTitle: 'Consent lifecycle',
  lifecycleNearEnd: 'Jump to 10 days before the end',
  lifecycleSync: 'Nightly sync, without the customer',
  lifecycleReset: 'Back to real time',
  lifecycleWasReset: 'Clocks and banks are back to real time.',
  lifecycleMoved: 'Clock moved {days} days ahead: the {bank} consent ends soon.',
  lifecycleSynced: '{count} session(s) synced without the customer.',
  lifecycleFailed: 'Failed: {message}',
  eventLogTitle: 'Event log',
  eventLogEmpty: 'bank-connect-* events will show up here.',
  eventLogClear: 'Clear the log',
  updateAvailable: 'A new version of Fourmi is available.',
  updateReload: 'Reload',
  updateLater: 'Later',
};

const MESSAGES: Record<Lang, Record<MessageKey, string>> = { fr, en };

/** Reads a language tag, falling back to French for anything that is not English. */
export function resolveLang(value: string | null | undefined): Lang {
  return value?.toLowerCase().startsWith('en') ? 'en' : 'fr';
}

/** Looks up a message and fills its `{name}` placeholders. */
export function translate(
  lang: Lang,
  key: MessageKey,
  params: Record<string, string | number> = {},
): string {
  return MESSAGES[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/** Whether a string names a message; used for `data-i18n` attributes in the static HTML. */
export function isMessageKey(value: string): value is MessageKey {
  return Object.hasOwn(fr, value);
}

/** The BCP 47 locale used for numbers and dates. */
export function localeOf(lang: Lang): string {
  return lang === 'fr' ? 'fr-FR' : 'en-GB';
}
