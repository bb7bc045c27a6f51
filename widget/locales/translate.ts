import { en } from './en.js';
import { fr, type MessageKey, type Messages } from './fr.js';

/** Languages the widget speaks. */
export type Lang = 'fr' | 'en';

const CATALOGUES: Record<Lang, Messages> = { fr, en };

/** Picks a catalogue; anything but `en` falls back to French, the default. */
export function resolveLang(value: string | undefined): Lang {
  return value?.toLowerCase().startsWith('en') ? 'en' : 'fr';
}

/** Looks a key up and fills `{name}` placeholders; unknown placeholders are left as they are. */
export function translate(
  lang: Lang,
  key: MessageKey,
  params: Record<string, string | number> = {},
): string {
  return CATALOGUES[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}
