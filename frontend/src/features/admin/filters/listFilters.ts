import { PERIODS, periodOf, type Period } from './period';

/** What every admin list is filtered by, kept in the address so a search can be shared or linked. */
export interface ListFilters {
  /** The user's id. */
  user: number | null;
  period: Period;
  page: number;
}

export const DEFAULT_PERIOD: Period = 'month';
export const PAGE_SIZE = 25;

function positiveId(value: string | null): number | null {
  return value !== null && /^[1-9]\d{0,15}$/.test(value) ? Number(value) : null;
}

export function parseListFilters(params: URLSearchParams): ListFilters {
  return {
    user: positiveId(params.get('user')),
    period: periodOf(params.get('period'), PERIODS, DEFAULT_PERIOD),
    page: positiveId(params.get('page')) ?? 1,
  };
}

/** The address's query for these filters and a screen's own ones, leaving out what is as by default. */
export function filterParams(filters: ListFilters & Record<string, string | number | null>): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) {
    const isDefault = (key === 'period' && value === DEFAULT_PERIOD) || (key === 'page' && value === 1);
    if (value !== null && value !== '' && !isDefault) params.set(key, String(value));
  }
  return params;
}
