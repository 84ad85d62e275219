import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { resources } from './resources';

export const LANGUAGES = ['fa', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
const STORAGE_KEY = 'payam.language';

function storedLanguage(): Language {
  const stored = localStorage.getItem(STORAGE_KEY);
  return LANGUAGES.find((language) => language === stored) ?? 'fa';
}

export function directionOf(language: string): 'rtl' | 'ltr' {
  return language === 'fa' ? 'rtl' : 'ltr';
}

function applyToDocument(language: string): void {
  document.documentElement.lang = language;
  document.documentElement.dir = directionOf(language);
}

export function initI18n(): typeof i18next {
  const language = storedLanguage();
  void i18next.use(initReactI18next).init({
    resources,
    lng: language,
    fallbackLng: 'fa',
    defaultNS: 'common',
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  applyToDocument(language);
  i18next.on('languageChanged', (next) => {
    localStorage.setItem(STORAGE_KEY, next);
    applyToDocument(next);
  });
  return i18next;
}
