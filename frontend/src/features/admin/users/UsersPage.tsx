import { Group, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { EmptyState } from '../../../components/EmptyState';
import { PageLoader } from '../../../components/PageLoader';
import { QueryError } from '../../../components/QueryError';
import { formatNumber } from '../../../i18n/format';
import { ListPagination } from '../filters/ListPagination';
import { useUserSearch } from './useAdminUsers';
import { UserFilterBar } from './UserFilterBar';
import { PAGE_SIZE, parseUserFilters, sortedBy, userFiltersToParams, type UserFilters } from './userFilters';
import { UserTable } from './UserTable';

/** Every account on the platform: search, filter, sort, and open one to act on it. */
export default function UsersPage() {
  const { t, i18n } = useTranslation('adminUsers');
  const [params, setParams] = useSearchParams();
  const filters = parseUserFilters(params);
  const setFilters = (next: UserFilters) => setParams(userFiltersToParams(next));
  const users = useUserSearch(filters);
  const total = users.data?.total ?? 0;
  return (
    <Stack gap="md">
      <Group justify="space-between" align="baseline">
        <Title order={1} size="h2">
          {t('title')}
        </Title>
        {users.data && (
          <Text size="sm" c="dimmed" role="status">
            {t('found', { formatted: formatNumber(total, i18n.language) })}
          </Text>
        )}
      </Group>
      <UserFilterBar key={filters.q} filters={filters} onChange={setFilters} />
      {users.isPending && <PageLoader />}
      {users.isError && <QueryError error={users.error} onRetry={() => void users.refetch()} />}
      {users.data?.items.length === 0 && <EmptyState title={t('empty.title')} hint={t('empty.hint')} />}
      {!!users.data?.items.length && <UserTable users={users.data.items} filters={filters} onSort={(column) => setFilters(sortedBy(filters, column))} />}
      <ListPagination total={total} pageSize={PAGE_SIZE} page={filters.page} onChange={(page) => setFilters({ ...filters, page })} />
    </Stack>
  );
}
