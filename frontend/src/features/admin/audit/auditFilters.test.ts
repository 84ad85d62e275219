import { auditQuery, parseAuditFilters } from './auditFilters';

describe('audit filters', () => {
  it('ask the API for one user, one action, from the period’s start', () => {
    const filters = parseAuditFilters(new URLSearchParams('user=7&action=auth.login&period=day&page=2'));
    expect(auditQuery(filters, new Date('2026-12-01T12:00:00Z'))).toEqual({
      user_id: 7,
      action: 'auth.login',
      since: '2026-11-30T12:00:00.000Z',
      page: 2,
      page_size: 25,
    });
  });

  it('ask for everything when nothing is chosen', () => {
    const filters = parseAuditFilters(new URLSearchParams('period=all'));
    expect(auditQuery(filters, new Date())).toEqual({ user_id: undefined, action: undefined, since: undefined, page: 1, page_size: 25 });
  });
});
