import type { TFunction } from 'i18next';

const USERNAME = /^[a-z][a-z0-9_.]{2,31}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PERSIAN_DIGITS = /[۰-۹٠-٩]/g;

/** Persian and Arabic digits as Latin ones, as the API also accepts them. */
export function latinDigits(value: string): string {
  return value.replace(PERSIAN_DIGITS, (digit) => String(digit.charCodeAt(0) & 0xf));
}

export function validUsername(value: string, t: TFunction): string | null {
  return USERNAME.test(value) ? null : t('auth:validation.username');
}

export function validEmail(value: string, t: TFunction): string | null {
  return EMAIL.test(value.trim()) ? null : t('auth:validation.email');
}

export function validPhone(value: string, t: TFunction): string | null {
  return latinDigits(value).replace(/\D/g, '').length >= 10 ? null : t('auth:validation.phone');
}

export function validPassword(value: string, t: TFunction): string | null {
  return value.length >= 8 ? null : t('auth:validation.password');
}

export function validCode(value: string, t: TFunction): string | null {
  return /^\d{6}$/.test(latinDigits(value.trim())) ? null : t('auth:validation.code');
}

export function required(value: string, t: TFunction): string | null {
  return value.trim() ? null : t('common:errors.required');
}
