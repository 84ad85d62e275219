import { filterParams, parseListFilters } from './listFilters';
import { chosenDays, periodDays, periodStart } from './period';

const now = new Date('2026-12-01T10:30:00Z');

describe('admin list filters', () => {
  it('reads the address, ignoring what is not a valid value', () => {
    expect(parseListFilters(new URLSearchParams('user=12&period=week&page=3'))).toEqual({ user: 12, period: 'week', page: 3 });
    expect(parseListFilters(new URLSearchParams('user=0&period=forever&page=-2'))).toEqual({ user: null, period: 'month', page: 1 });
  });

  it('writes only what differs from the defaults', () => {
    expect(filterParams({ user: 12, period: 'month', page: 1, action: 'auth.login', status: null }).toString()).toBe('user=12&action=auth.login');
    expect(filterParams({ user: null, period: 'all', page: 2 }).toString()).toBe('period=all&page=2');
  });
});

describe('periods', () => {
  it('start that long before now, or never for all time', () => {
    expect(periodStart('day', now)).toBe('2026-11-30T10:30:00.000Z');
    expect(periodStart('week', now)).toBe('2026-11-24T10:30:00.000Z');
    expect(periodStart('all', now)).toBeUndefined();
  });

  it('cover whole UTC days, today included', () => {
    expect(periodDays('day', now)).toEqual({ since: '2026-12-01', until: '2026-12-01' });
    expect(periodDays('month', now)).toEqual({ since: '2026-11-02', until: '2026-12-01' });
  });

  it('give way to two chosen days, unless they are missing, invalid or out of order', () => {
    expect(chosenDays('2026-01-01', '2026-03-31', 'week', now)).toEqual({ since: '2026-01-01', until: '2026-03-31' });
    expect(chosenDays('2026-03-31', '2026-01-01', 'week', now)).toEqual(periodDays('week', now));
    expect(chosenDays('2026-01-01', null, 'week', now)).toEqual(periodDays('week', now));
    expect(chosenDays('2026-13-45', '2026-12-01', 'week', now)).toEqual(periodDays('week', now));
  });
});
