import { latinDigits } from './validation';

describe('latinDigits', () => {
  it('turns Persian and Arabic digits into Latin ones', () => {
    expect(latinDigits('۰۹۱۲۳٤٥٦')).toBe('09123456');
  });
});
