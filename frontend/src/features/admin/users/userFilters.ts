import type { SearchUsersApiV1AdminUsersGetData, SubscriptionState, UserRole, UserSort, UserStatus } from '../../../client';
import { PAGE_SIZE } from '../filters/listFilters';

/** When the user last signed in, as the activity filter offers it. */
export const SIGN_IN_WINDOWS = ['any', 'week', 'month', 'notMonth', 'never'] as const;
export type SignInWindow = (typeof SIGN_IN_WINDOWS)[number];

export const USER_STATUSES: UserStatus[] = ['ACTIVE', 'INACTIVE', 'BANNED'];
export const USER_ROLES: UserRole[] = ['USER', 'ADMIN', 'SUPER_ADMIN'];
export const SUBSCRIPTION_STATES: SubscriptionState[] = ['ACTIVE', 'EXPIRED', 'NONE'];

/** What the users table is showing: kept in the address, so a detail page's "back" returns to it. */
export interface UserFilters {
  q: string;
  status: UserStatus | null;
  role: UserRole | null;
  subscription: SubscriptionState | null;
  signedIn: SignInWindow;
  minMessages: number | null;
  maxMessages: number | null;
  sort: UserSort;
  order: 'asc' | 'desc';
  page: number;
}

const DEFAULTS: UserFilters = {
  q: '',
  status: null,
  role: null,
  subscription: null,
  signedIn: 'any',
  minMessages: null,
  maxMessages: null,
  sort: 'id',
  order: 'desc',
  page: 1,
};

const SORTS: UserSort[] = [
  'id',
  'name',
  'username',
  'email',
  'phone',
  'role',
  'status',
  'created_at',
  'last_login_at',
  'subscription_expires_at',
  'messages_this_month',
];

function oneOf<T extends string>(value: string | null, allowed: readonly T[]): T | null {
  return allowed.find((item) => item === value) ?? null;
}

function wholeNumber(value: string | null): number | null {
  if (value === null || !/^\d{1,10}$/.test(value)) return null;
  return Number(value);
}

/** Reads the filters from the address; anything unknown there falls back to its default. */
export function parseUserFilters(params: URLSearchParams): UserFilters {
  return {
    q: params.get('q') ?? '',
    status: oneOf(params.get('status'), USER_STATUSES),
    role: oneOf(params.get('role'), USER_ROLES),
    subscription: oneOf(params.get('subscription'), SUBSCRIPTION_STATES),
    signedIn: oneOf(params.get('signedIn'), SIGN_IN_WINDOWS) ?? 'any',
    minMessages: wholeNumber(params.get('minMessages')),
    maxMessages: wholeNumber(params.get('maxMessages')),
    sort: oneOf(params.get('sort'), SORTS) ?? DEFAULTS.sort,
    order: params.get('order') === 'asc' ? 'asc' : 'desc',
    page: Math.max(1, wholeNumber(params.get('page')) ?? 1),
  };
}

/** The address's query for these filters: only what differs from the defaults. */
export function userFiltersToParams(filters: UserFilters): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters) as [keyof UserFilters, UserFilters[keyof UserFilters]][]) {
    if (value !== null && value !== DEFAULTS[key] && value !== '') params.set(key, String(value));
  }
  return params;
}

const DAY_MS = 86_400_000;

/** The API's query for these filters; "in the last week" is counted back from `now`. */
export function userSearchQuery(filters: UserFilters, now: Date): NonNullable<SearchUsersApiV1AdminUsersGetData['query']> {
  const daysAgo = (days: number) => new Date(now.getTime() - days * DAY_MS).toISOString();
  const activity = {
    any: {},
    week: { last_login_after: daysAgo(7) },
    month: { last_login_after: daysAgo(30) },
    notMonth: { last_login_before: daysAgo(30) },
    never: { never_signed_in: true },
  }[filters.signedIn];
  return {
    q: filters.q.trim() || undefined,
    status: filters.status ?? undefined,
    role: filters.role ?? undefined,
    subscription: filters.subscription ?? undefined,
    ...activity,
    min_messages_this_month: filters.minMessages ?? undefined,
    max_messages_this_month: filters.maxMessages ?? undefined,
    sort: filters.sort,
    order: filters.order,
    page: filters.page,
    page_size: PAGE_SIZE,
  };
}

/** Sorting by a column: a second click on the same column turns the order around. */
export function sortedBy(filters: UserFilters, column: UserSort): UserFilters {
  const order = filters.sort === column && filters.order === 'asc' ? 'desc' : 'asc';
  return { ...filters, sort: column, order, page: 1 };
}
