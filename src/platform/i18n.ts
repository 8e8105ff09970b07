/** The UI speaks Japanese first and English second. Every user-facing text is written as both. */
export const locales = ['ja', 'en'] as const;
export type Locale = (typeof locales)[number];

export interface Localized {
  ja: string;
  en: string;
}

export function isLocale(value: string | undefined): value is Locale {
  return value === 'ja' || value === 'en';
}

/** Returns a translator bound to one locale: `t({ ja: '…', en: '…' })`. */
export function translator(locale: Locale): (text: Localized) => string {
  return (text) => text[locale];
}
