import { formatDate, formatNumber } from './format';

describe('format', () => {
  it('writes Persian digits in Persian and Latin digits in English', () => {
    expect(formatNumber(1250, 'fa')).toBe('۱٬۲۵۰');
    expect(formatNumber(1250, 'en')).toBe('1,250');
  });

  it('dates Persian text in the Jalali calendar', () => {
    expect(formatDate('2026-03-21T12:00:00Z', 'fa')).toContain('۱۴۰۵');
    expect(formatDate('2026-03-21T12:00:00Z', 'en')).toContain('2026');
  });
});
