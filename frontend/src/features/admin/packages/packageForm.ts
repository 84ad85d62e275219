import type { TFunction } from 'i18next';
import type { Package, PackageCreate, PackageUpdate } from '../../../client';

/** The package form's values, as its inputs hold them. */
export interface PackageFormValues {
  title: string;
  description: string;
  category: string;
  price: number | string;
  duration_days: number | string;
  message_limit: number | string;
  active: boolean;
}

export const newPackageValues: PackageFormValues = {
  title: '',
  description: '',
  category: '',
  price: '',
  duration_days: 30,
  message_limit: 1000,
  active: true,
};

export function valuesOf(pkg: Package): PackageFormValues {
  return {
    title: pkg.title,
    description: pkg.description ?? '',
    category: pkg.category ?? '',
    price: pkg.price,
    duration_days: pkg.duration_days,
    message_limit: pkg.message_limit,
    active: pkg.status === 'ACTIVE',
  };
}

function wholeWithin(value: number | string, min: number, max: number): boolean {
  const number = typeof value === 'number' ? value : Number(value === '' ? Number.NaN : value);
  return Number.isInteger(number) && number >= min && number <= max;
}

function oneLine(value: string): boolean {
  return !/[\r\n]/.test(value) && value.trim().length <= 255;
}

// The same bounds the API checks (billing/schemas.py), so most mistakes never leave the page.
export function packageValidation(t: TFunction) {
  return {
    title: (value: string) => (value.trim() && oneLine(value) ? null : t('adminPackages:validation.title')),
    description: (value: string) => (value.length <= 5000 ? null : t('adminPackages:validation.description')),
    category: (value: string) => (oneLine(value) ? null : t('adminPackages:validation.category')),
    price: (value: number | string) =>
      wholeWithin(value, 0, Number.MAX_SAFE_INTEGER) ? null : t('adminPackages:validation.price'),
    duration_days: (value: number | string) => (wholeWithin(value, 1, 3650) ? null : t('adminPackages:validation.days')),
    message_limit: (value: number | string) =>
      wholeWithin(value, 0, 100_000_000) ? null : t('adminPackages:validation.messages'),
  };
}

/**
 * What the API is sent, to create a package or to change one. A blank description is sent as ""
 * so an edit can clear it (PATCH leaves a null field as it is); a blank category stays as it is.
 */
export function packageBody(values: PackageFormValues): PackageCreate & PackageUpdate {
  return {
    title: values.title.trim(),
    description: values.description.trim(),
    category: values.category.trim() || null,
    price: Number(values.price),
    duration_days: Number(values.duration_days),
    message_limit: Number(values.message_limit),
    status: values.active ? 'ACTIVE' : 'INACTIVE',
  };
}
