import { parseUserFilters, sortedBy, userFiltersToParams, userSearchQuery } from './userFilters';

const now = new Date('2026-12-01T12:00:00Z');

describe('the users filters', () => {
  it('survive the trip through the address, keeping only what differs from the defaults', () => {
    const filters = { ...parseUserFilters(new URLSearchParams()), q: 'maryam', status: 'BANNED' as const, minMessages: 0, page: 3 };
    const params = userFiltersToParams(filters);
    expect(params.toString()).toBe('q=maryam&status=BANNED&minMessages=0&page=3');
    expect(parseUserFilters(params)).toEqual(filters);
  });

  it('ignore what the API would refuse in a hand-edited address', () => {
    const filters = parseUserFilters(new URLSearchParams('status=GONE&sort=password&page=-2&minMessages=1e3&signedIn=yesterday'));
    expect(filters).toMatchObject({ status: null, sort: 'id', page: 1, minMessages: null, signedIn: 'any' });
  });

  it('ask the API for sign-ins counted back from now, and for the messages range', () => {
    const base = parseUserFilters(new URLSearchParams());
    expect(userSearchQuery({ ...base, signedIn: 'week' }, now)).toMatchObject({ last_login_after: '2026-11-24T12:00:00.000Z' });
    expect(userSearchQuery({ ...base, signedIn: 'notMonth' }, now)).toMatchObject({ last_login_before: '2026-11-01T12:00:00.000Z' });
    const never = userSearchQuery({ ...base, signedIn: 'never', q: '  ', maxMessages: 0 }, now);
    expect(never).toMatchObject({ never_signed_in: true, max_messages_this_month: 0, q: undefined });
    expect(never).not.toHaveProperty('last_login_after');
  });

  it('sort a new column from the smallest, and turn the order around on a second click', () => {
    const base = { ...parseUserFilters(new URLSearchParams()), page: 4 };
    const byName = sortedBy(base, 'name');
    expect(byName).toMatchObject({ sort: 'name', order: 'asc', page: 1 });
    expect(sortedBy(byName, 'name')).toMatchObject({ sort: 'name', order: 'desc' });
  });
});
