import { Select, SimpleGrid } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  listAllPackagesApiV1AdminPackagesGetOptions,
  searchPaymentsApiV1AdminPaymentsGetOptions,
} from '../../../client/@tanstack/react-query.gen';
import { ListScreen } from '../filters/ListScreen';
import { PeriodSelect } from '../filters/PeriodSelect';
import { PERIODS } from '../filters/period';
import { useSearchFilters } from '../filters/useSearchFilters';
import { UserIdInput } from '../filters/UserIdInput';
import { PAYMENT_STATUSES, parsePaymentFilters, paymentQuery, type PaymentFilters } from './paymentFilters';
import { PaymentTable } from './PaymentTable';

/** Every payment on the platform, newest first, by user, outcome and when it started. */
export default function PaymentsPage() {
  const { t } = useTranslation('adminPayments');
  const [filters, setFilters] = useSearchFilters(parsePaymentFilters);
  const [now] = useState(() => new Date());
  const payments = useQuery({ ...searchPaymentsApiV1AdminPaymentsGetOptions({ query: paymentQuery(filters, now) }), placeholderData: (previous) => previous });
  const packages = useQuery(listAllPackagesApiV1AdminPackagesGetOptions());
  const packageTitles = new Map(packages.data?.map((pkg) => [pkg.id, pkg.title]));
  const change = (patch: Partial<PaymentFilters>) => setFilters({ ...filters, ...patch, page: 1 });
  const filterBar = (
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
  );
  return (
    <ListScreen
      namespace="adminPayments"
      filters={filterBar}
      result={payments}
      page={filters.page}
      onPage={(page) => setFilters({ ...filters, page })}
      table={(items) => <PaymentTable payments={items} packageTitles={packageTitles} />}
    />
  );
}
