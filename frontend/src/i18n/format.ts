// Numbers and dates in the reader's language: Persian digits and the Jalali calendar in Persian.
const LOCALES: Record<string, string> = { fa: 'fa-IR-u-ca-persian', en: 'en-GB' };

function localeOf(language: string): string {
  return LOCALES[language] ?? 'fa-IR-u-ca-persian';
}

export function formatNumber(value: number | string, language: string): string {
  return new Intl.NumberFormat(localeOf(language)).format(Number(value));
}

export function formatDate(value: string | Date, language: string): string {
  return new Intl.DateTimeFormat(localeOf(language), { dateStyle: 'medium' }).format(new Date(value));
}

export function formatDateTime(value: string | Date, language: string): string {
  return new Intl.DateTimeFormat(localeOf(language), { dateStyle: 'medium', timeStyle: 'short' }).format(
    new Date(value),
  );
}

export function formatDay(value: Date, language: string): string {
  return new Intl.DateTimeFormat(localeOf(language), { month: 'short', day: 'numeric' }).format(value);
}
