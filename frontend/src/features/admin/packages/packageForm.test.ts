import type { TFunction } from 'i18next';
import { newPackageValues, packageBody, packageValidation, valuesOf } from './packageForm';

const t = ((key: string) => key) as unknown as TFunction;

describe('package form', () => {
  it('sends trimmed words, numbers and the status', () => {
    const body = packageBody({ ...newPackageValues, title: ' Gold ', category: ' ', price: '1500000', active: false });
    expect(body).toEqual({
      title: 'Gold',
      description: '',
      category: null,
      price: 1_500_000,
      duration_days: 30,
      message_limit: 1000,
      status: 'INACTIVE',
    });
  });

  it('refuses what the API would refuse, before sending', () => {
    const check = packageValidation(t);
    expect(check.title('  ')).toBe('adminPackages:validation.title');
    expect(check.title('two\nlines')).toBe('adminPackages:validation.title');
    expect(check.price('')).toBe('adminPackages:validation.price');
    expect(check.price(12.5)).toBe('adminPackages:validation.price');
    expect(check.price(-1)).toBe('adminPackages:validation.price');
    expect(check.price(0)).toBeNull();
    expect(check.duration_days(0)).toBe('adminPackages:validation.days');
    expect(check.duration_days(3651)).toBe('adminPackages:validation.days');
    expect(check.message_limit(100_000_001)).toBe('adminPackages:validation.messages');
    expect(check.message_limit(0)).toBeNull();
  });

  it('fills the form from a package', () => {
    const values = valuesOf({
      id: 1, title: 'Gold', description: null, category: null, price: '1500000', price_toman: '150000',
      currency: 'IRR', duration_days: 30, message_limit: 5000, status: 'INACTIVE',
    });
    expect(values).toMatchObject({ title: 'Gold', description: '', price: '1500000', active: false });
  });
});
