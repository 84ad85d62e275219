import { Stack, Tabs, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { EmptyState } from '../../../components/EmptyState';
import { PageLoader } from '../../../components/PageLoader';
import { QueryError } from '../../../components/QueryError';
import { formatNumber } from '../../../i18n/format';
import { ListPagination } from '../filters/ListPagination';
import { CampaignTable } from './CampaignTable';
import { NumberTable } from './NumberTable';
import { OversightFilterBar } from './OversightFilterBar';
import { PAGE_SIZE } from '../filters/listFilters';
import { oversightFiltersToParams, parseOversightFilters, type OversightFilters } from './oversightFilters';
import { useCampaignSearch, useNumberSearch } from './useOversight';

/** Every campaign and every number on the platform, to pause, cancel or suspend. */
export default function CampaignOversightPage() {
  const { t, i18n } = useTranslation('adminCampaigns');
  const [params, setParams] = useSearchParams();
  const filters = parseOversightFilters(params);
  const setFilters = (next: OversightFilters) => setParams(oversightFiltersToParams(next));
  const campaigns = useCampaignSearch(filters);
  const numbers = useNumberSearch(filters);
  const shown = filters.tab === 'campaigns' ? campaigns : numbers;
  return (
    <Stack gap="md">
      <Title order={1} size="h2">
        {t('title')}
      </Title>
      <Text size="sm" c="dimmed">
        {t('intro')}
      </Text>
      <Tabs value={filters.tab} onChange={(tab) => setFilters({ ...filters, tab: tab === 'numbers' ? 'numbers' : 'campaigns', page: 1 })}>
        <Tabs.List>
          <Tabs.Tab value="campaigns">{t('tabs.campaigns')}</Tabs.Tab>
          <Tabs.Tab value="numbers">{t('tabs.numbers')}</Tabs.Tab>
        </Tabs.List>
        {(['campaigns', 'numbers'] as const).map((tab) => (
          <Tabs.Panel key={tab} value={tab} pt="md">
            {filters.tab === tab && (
              <Stack gap="md">
                <OversightFilterBar filters={filters} onChange={setFilters} />
                {shown.data && (
                  <Text size="sm" c="dimmed" role="status">
                    {t('found', { formatted: formatNumber(shown.data.total, i18n.language) })}
                  </Text>
                )}
                {shown.isPending && <PageLoader />}
                {shown.isError && <QueryError error={shown.error} onRetry={() => void shown.refetch()} />}
                {shown.data?.items.length === 0 && <EmptyState title={t('empty.title')} hint={t('empty.hint')} />}
                {tab === 'campaigns' && !!campaigns.data?.items.length && <CampaignTable campaigns={campaigns.data.items} />}
                {tab === 'numbers' && !!numbers.data?.items.length && <NumberTable numbers={numbers.data.items} />}
                <ListPagination total={shown.data?.total ?? 0} pageSize={PAGE_SIZE} page={filters.page} onChange={(page) => setFilters({ ...filters, page })} />
              </Stack>
            )}
          </Tabs.Panel>
        ))}
      </Tabs>
    </Stack>
  );
}
