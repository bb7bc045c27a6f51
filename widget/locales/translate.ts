import { fr, type MessageKey, type Messages } from './fr.js';

/** Languages the widget speaks. */
export type Lang = 'fr' | 'en';

/**
 * The catalogues loaded so far. French, the default, is part of the entry, but for the messages
 * of the consent and the views after it, which the consent chunk adds. English is a chunk of its
 * own, whole, that only pages with `lang="en"` fetch. Tests replace `load` to see the fetch fail.
 */
export const catalogues: {
  loaded: { fr: Partial<Messages>; en?: Messages };
  load: () => Promise<Messages>;
} = {
  loaded: { fr: { ...fr } },
  load: () => import('./en.js').then((module) => module.en),
};

/** Picks a catalogue; anything but `en` falls back to French, the default. */
export function resolveLang(value: string | undefined): Lang {
  return value?.toLowerCase().startsWith('en') ? 'en' : 'fr';
}

let loadingEnglish: Promise<void> | undefined;

/**
 * Loads the catalogue of `lang` once; a failed load is forgotten, so that the next call fetches
 * again.
 */
export function loadCatalogue(lang: Lang): Promise<void> {
  if (catalogues.loaded[lang]) return Promise.resolve();
  loadingEnglish ??= catalogues.load().then(
    (messages) => {
      catalogues.loaded.en = messages;
      loadingEnglish = undefined;
    },
    (error: unknown) => {
      loadingEnglish = undefined;
      throw error;
    },
  );
  return loadingEnglish;
}

/**
 * Looks a key up and fills `{name}` placeholders; unknown placeholders are left as they are.
 * Until its catalogue has loaded, a language reads as French; a French message of the consent
 * chunk reads as empty until that chunk is there (no view shows one before).
 */
export function translate(
  lang: Lang,
  key: MessageKey,
  params: Record<string, string | number> = {},
): string {
  const message = (catalogues.loaded[lang] ?? catalogues.loaded.fr)[key] ?? '';
  return message.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}
