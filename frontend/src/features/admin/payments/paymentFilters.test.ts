import { filterParams } from '../filters/listFilters';
import { parsePaymentFilters, paymentQuery } from './paymentFilters';

describe('payment filters', () => {
  it('ask the API for one user’s payments in one status, started in the period', () => {
    const filters = parsePaymentFilters(new URLSearchParams('user=3&status=FAILED&period=week'));
    expect(paymentQuery(filters, new Date('2026-12-08T00:00:00Z'))).toEqual({
      user_id: 3,
      status: 'FAILED',
      created_after: '2026-12-01T00:00:00.000Z',
      page: 1,
      page_size: 25,
    });
  });

  it('drop a status the API does not know, and keep the address short', () => {
    const filters = parsePaymentFilters(new URLSearchParams('status=REFUNDED'));
    expect(filters.status).toBeNull();
    expect(filterParams(filters).toString()).toBe('');
  });
});
