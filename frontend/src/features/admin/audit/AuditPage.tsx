import { Group, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { searchAuditLogApiV1AdminAuditGetOptions } from '../../../client/@tanstack/react-query.gen';
import { EmptyState } from '../../../components/EmptyState';
import { PageLoader } from '../../../components/PageLoader';
import { QueryError } from '../../../components/QueryError';
import { formatNumber } from '../../../i18n/format';
import { ListPagination } from '../filters/ListPagination';
import { PAGE_SIZE } from '../filters/listFilters';
import { useSearchFilters } from '../filters/useSearchFilters';
import { AuditFilterBar } from './AuditFilterBar';
import { auditQuery, parseAuditFilters } from './auditFilters';
import { AuditTable } from './AuditTable';

/** Who did what to whom, from where and when: every admin action and security event, searchable. */
export default function AuditPage() {
  const { t, i18n } = useTranslation('adminAudit');
  const [filters, setFilters] = useSearchFilters(parseAuditFilters);
  // The period counts back from when the screen opened, so paging does not shift the entries.
  const [now] = useState(() => new Date());
  const entries = useQuery({ ...searchAuditLogApiV1AdminAuditGetOptions({ query: auditQuery(filters, now) }), placeholderData: (previous) => previous });
  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-end">
        <Title order={1} size="h2">
          {t('title')}
        </Title>
        {entries.data && (
          <Text size="sm" c="dimmed">
            {t('found', { formatted: formatNumber(entries.data.total, i18n.language) })}
          </Text>
        )}
      </Group>
      <Text size="sm" c="dimmed">
        {t('intro')}
      </Text>
      <AuditFilterBar filters={filters} onChange={setFilters} />
      {entries.isPending && <PageLoader />}
      {entries.isError && <QueryError error={entries.error} onRetry={() => void entries.refetch()} />}
      {entries.data?.items.length === 0 && <EmptyState title={t('empty.title')} hint={t('empty.hint')} />}
      {!!entries.data?.items.length && <AuditTable entries={entries.data.items} />}
      {entries.data && <ListPagination total={entries.data.total} pageSize={PAGE_SIZE} page={filters.page} onChange={(page) => setFilters({ ...filters, page })} />}
    </Stack>
  );
}
