import type {
  CampaignStatus,
  ProviderName,
  SearchCampaignsApiV1AdminCampaignsGetData,
  SearchNumbersApiV1AdminNumbersGetData,
  SenderStatus,
} from '../../../client';
import { PAGE_SIZE } from '../filters/listFilters';

export const CAMPAIGN_STATUSES: CampaignStatus[] = ['DRAFT', 'READY', 'RUNNING', 'PAUSED', 'COMPLETED', 'FAILED', 'CANCELLED'];
export const NUMBER_STATUSES: SenderStatus[] = ['LINKING', 'CONNECTED', 'DISCONNECTED', 'LOGGED_OUT', 'BANNED'];
export const PROVIDERS: ProviderName[] = ['sandbox', 'web', 'cloud'];
export const SUSPENSION = ['any', 'suspended', 'notSuspended'] as const;

/** What the oversight screen shows, kept in the address (so a user's page can link to their campaigns). */
export interface OversightFilters {
  tab: 'campaigns' | 'numbers';
  /** The owner's id, on either tab. */
  user: number | null;
  page: number;
  // Campaigns.
  q: string;
  status: CampaignStatus | null;
  number: number | null;
  /** Days, `YYYY-MM-DD`, in the reader's calendar day (inclusive). */
  from: string;
  to: string;
  // Numbers.
  phone: string;
  provider: ProviderName | null;
  numberStatus: SenderStatus | null;
  suspension: (typeof SUSPENSION)[number];
}

const DEFAULTS: OversightFilters = {
  tab: 'campaigns',
  user: null,
  page: 1,
  q: '',
  status: null,
  number: null,
  from: '',
  to: '',
  phone: '',
  provider: null,
  numberStatus: null,
  suspension: 'any',
};

function oneOf<T extends string>(value: string | null, allowed: readonly T[]): T | null {
  return allowed.find((item) => item === value) ?? null;
}

function id(value: string | null): number | null {
  return value !== null && /^[1-9]\d{0,15}$/.test(value) ? Number(value) : null;
}

function day(value: string | null): string {
  return value !== null && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value)) ? value : '';
}

export function parseOversightFilters(params: URLSearchParams): OversightFilters {
  return {
    tab: params.get('tab') === 'numbers' ? 'numbers' : 'campaigns',
    user: id(params.get('user')),
    page: id(params.get('page')) ?? 1,
    q: params.get('q') ?? '',
    status: oneOf(params.get('status'), CAMPAIGN_STATUSES),
    number: id(params.get('number')),
    from: day(params.get('from')),
    to: day(params.get('to')),
    phone: params.get('phone') ?? '',
    provider: oneOf(params.get('provider'), PROVIDERS),
    numberStatus: oneOf(params.get('numberStatus'), NUMBER_STATUSES),
    suspension: oneOf(params.get('suspension'), SUSPENSION) ?? 'any',
  };
}

export function oversightFiltersToParams(filters: OversightFilters): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters) as [keyof OversightFilters, OversightFilters[keyof OversightFilters]][]) {
    if (value !== null && value !== '' && value !== DEFAULTS[key]) params.set(key, String(value));
  }
  return params;
}

/** The start of a calendar day in the reader's time zone, as an instant. */
function startOfDay(value: string, plusDays = 0): string {
  const [year = 0, month = 1, date = 1] = value.split('-').map(Number);
  return new Date(year, month - 1, date + plusDays).toISOString();
}

export function campaignSearchQuery(filters: OversightFilters): NonNullable<SearchCampaignsApiV1AdminCampaignsGetData['query']> {
  return {
    user_id: filters.user ?? undefined,
    status: filters.status ?? undefined,
    sender_id: filters.number ?? undefined,
    q: filters.q.trim() || undefined,
    created_after: filters.from ? startOfDay(filters.from) : undefined,
    created_before: filters.to ? startOfDay(filters.to, 1) : undefined,
    page: filters.page,
    page_size: PAGE_SIZE,
  };
}

export function numberSearchQuery(filters: OversightFilters): NonNullable<SearchNumbersApiV1AdminNumbersGetData['query']> {
  return {
    user_id: filters.user ?? undefined,
    provider: filters.provider ?? undefined,
    status: filters.numberStatus ?? undefined,
    suspended: filters.suspension === 'any' ? undefined : filters.suspension === 'suspended',
    phone: filters.phone.trim() || undefined,
    page: filters.page,
    page_size: PAGE_SIZE,
  };
}

/** The address of the oversight screen showing these, e.g. one user's campaigns. */
export function oversightPath(patch: Partial<OversightFilters>): string {
  const query = oversightFiltersToParams({ ...DEFAULTS, ...patch }).toString();
  return query ? `/admin/campaigns?${query}` : '/admin/campaigns';
}
