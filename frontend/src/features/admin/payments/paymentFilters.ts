import type { PaymentStatus, SearchPaymentsApiV1AdminPaymentsGetData } from '../../../client';
import { PAGE_SIZE, parseListFilters, type ListFilters } from '../filters/listFilters';
import { periodStart } from '../filters/period';

export const PAYMENT_STATUSES: PaymentStatus[] = ['PAID', 'PENDING', 'FAILED'];

export interface PaymentFilters extends ListFilters {
  status: PaymentStatus | null;
  [key: string]: string | number | null;
}

export function parsePaymentFilters(params: URLSearchParams): PaymentFilters {
  const status = PAYMENT_STATUSES.find((value) => value === params.get('status')) ?? null;
  return { ...parseListFilters(params), status };
}

/** The search the API is asked for: the period counts back from `now` (when the screen opened). */
export function paymentQuery(filters: PaymentFilters, now: Date): NonNullable<SearchPaymentsApiV1AdminPaymentsGetData['query']> {
  return {
    user_id: filters.user ?? undefined,
    status: filters.status ?? undefined,
    created_after: periodStart(filters.period, now),
    page: filters.page,
    page_size: PAGE_SIZE,
  };
}
