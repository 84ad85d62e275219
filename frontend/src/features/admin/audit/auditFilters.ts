import type { SearchAuditLogApiV1AdminAuditGetData } from '../../../client';
import { PAGE_SIZE, parseListFilters, type ListFilters } from '../filters/listFilters';
import { periodStart } from '../filters/period';

export interface AuditFilters extends ListFilters {
  /** As the API writes it, e.g. `auth.login`. */
  action: string | null;
  [key: string]: string | number | null;
}

export function parseAuditFilters(params: URLSearchParams): AuditFilters {
  return { ...parseListFilters(params), action: params.get('action')?.slice(0, 64) || null };
}

/** The search the API is asked for: the period counts back from `now` (when the screen opened). */
export function auditQuery(filters: AuditFilters, now: Date): NonNullable<SearchAuditLogApiV1AdminAuditGetData['query']> {
  return {
    user_id: filters.user ?? undefined,
    action: filters.action ?? undefined,
    since: periodStart(filters.period, now),
    page: filters.page,
    page_size: PAGE_SIZE,
  };
}
