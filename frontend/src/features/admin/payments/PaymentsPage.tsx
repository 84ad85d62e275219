import { Group, Select, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  listAllPackagesApiV1AdminPackagesGetOptions,
  searchPaymentsApiV1AdminPaymentsGetOptions,
} from '../../../client/@tanstack/react-query.gen';
import { EmptyState } from '../../../components/EmptyState';
import { PageLoader } from '../../../components/PageLoader';
import { QueryError } from '../../../components/QueryError';
import { formatNumber } from '../../../i18n/format';
import { ListPagination } from '../filters/ListPagination';
import { PAGE_SIZE } from '../filters/listFilters';
import { PeriodSelect } from '../filters/PeriodSelect';
import { PERIODS } from '../filters/period';
import { useSearchFilters } from '../filters/useSearchFilters';
import { UserIdInput } from '../filters/UserIdInput';
import { PAYMENT_STATUSES, parsePaymentFilters, paymentQuery, type PaymentFilters } from './paymentFilters';
import { PaymentTable } from './PaymentTable';

/** Every payment on the platform, newest first, by user, outcome and when it started. */
export default function PaymentsPage() {
  const { t, i18n } = useTranslation('adminPayments');
  const [filters, setFilters] = useSearchFilters(parsePaymentFilters);
  const [now] = useState(() => new Date());
  const payments = useQuery({ ...searchPaymentsApiV1AdminPaymentsGetOptions({ query: paymentQuery(filters, now) }), placeholderData: (previous) => previous });
  const packages = useQuery(listAllPackagesApiV1AdminPackagesGetOptions());
  const packageTitles = new Map(packages.data?.map((pkg) => [pkg.id, pkg.title]));
  const change = (patch: Partial<PaymentFilters>) => setFilters({ ...filters, ...patch, page: 1 });
  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-end">
        <Title order={1} size="h2">
          {t('title')}
        </Title>
        {payments.data && (
          <Text size="sm" c="dimmed">
            {t('found', { formatted: formatNumber(payments.data.total, i18n.language) })}
          </Text>
        )}
      </Group>
      <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="xs" role="search" aria-label={t('filters')}>
        <UserIdInput value={filters.user} onChange={(user) => change({ user })} />
        <Select
          label={t('columns.status')}
          placeholder={t('adminFilters:all')}
          clearable
          data={PAYMENT_STATUSES.map((status) => ({ value: status, label: t(`billing:payments.statuses.${status}`) }))}
          value={filters.status}
          onChange={(status) => change({ status: PAYMENT_STATUSES.find((value) => value === status) ?? null })}
        />
        <PeriodSelect value={filters.period} periods={PERIODS} onChange={(period) => change({ period })} />
      </SimpleGrid>
      {payments.isPending && <PageLoader />}
      {payments.isError && <QueryError error={payments.error} onRetry={() => void payments.refetch()} />}
      {payments.data?.items.length === 0 && <EmptyState title={t('empty.title')} hint={t('empty.hint')} />}
      {!!payments.data?.items.length && <PaymentTable payments={payments.data.items} packageTitles={packageTitles} />}
      {payments.data && <ListPagination total={payments.data.total} pageSize={PAGE_SIZE} page={filters.page} onChange={(page) => setFilters({ ...filters, page })} />}
    </Stack>
  );
}
