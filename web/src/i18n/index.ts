import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { mergeCatalogue } from './catalogue';

const en = mergeCatalogue(import.meta.glob('./en/*.json', { eager: true }));
const fr = mergeCatalogue(import.meta.glob('./fr/*.json', { eager: true }));

export const LANGUAGES = ['fr', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
/** Only the chosen language is remembered in the browser: nothing about the session or the key. */
const STORAGE_KEY = 'finalite.language';

function initialLanguage(): Language {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored === 'fr' || stored === 'en') return stored;
  return navigator.languages.some((l) => l.toLowerCase().startsWith('fr')) ? 'fr' : 'en';
}

export function setLanguage(language: Language): void {
  localStorage.setItem(STORAGE_KEY, language);
  void i18n.changeLanguage(language);
}

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, fr: { translation: fr } },
  lng: initialLanguage(),
  fallbackLng: 'en',
  interpolation: { escapeValue: false },
});
i18n.on('languageChanged', (lng) => document.documentElement.setAttribute('lang', lng));
document.documentElement.setAttribute('lang', i18n.language);

export { i18n };
