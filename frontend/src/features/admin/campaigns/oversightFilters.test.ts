import { campaignSearchQuery, numberSearchQuery, oversightFiltersToParams, oversightPath, parseOversightFilters } from './oversightFilters';

describe('the oversight filters', () => {
  it('survive the trip through the address', () => {
    const filters = { ...parseOversightFilters(new URLSearchParams()), user: 12, status: 'RUNNING' as const, from: '2026-11-01' };
    expect(parseOversightFilters(oversightFiltersToParams(filters))).toEqual(filters);
    expect(oversightPath({ tab: 'numbers', user: 7 })).toBe('/admin/campaigns?tab=numbers&user=7');
  });

  it('ignore what the API would refuse in a hand-edited address', () => {
    const filters = parseOversightFilters(new URLSearchParams('user=0&number=x&from=2026-13-45&status=LOST&suspension=maybe'));
    expect(filters).toMatchObject({ user: null, number: null, from: '', status: null, suspension: 'any' });
  });

  it('ask for campaigns created from the first day through the whole of the last, in the reader’s zone', () => {
    const filters = { ...parseOversightFilters(new URLSearchParams()), from: '2026-11-01', to: '2026-11-30', number: 3, q: ' sale ' };
    const query = campaignSearchQuery(filters);
    expect(query).toMatchObject({ sender_id: 3, q: 'sale' });
    expect(query.created_after).toBe(new Date(2026, 10, 1).toISOString());
    expect(query.created_before).toBe(new Date(2026, 11, 1).toISOString());
  });

  it('ask for suspended numbers, or those that are not, or both', () => {
    const base = parseOversightFilters(new URLSearchParams());
    expect(numberSearchQuery({ ...base, suspension: 'suspended' }).suspended).toBe(true);
    expect(numberSearchQuery({ ...base, suspension: 'notSuspended' }).suspended).toBe(false);
    expect(numberSearchQuery(base).suspended).toBeUndefined();
  });
});
