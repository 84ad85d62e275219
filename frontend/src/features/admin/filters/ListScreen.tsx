import { Group, Stack, Text, Title } from '@mantine/core';
import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { EmptyState } from '../../../components/EmptyState';
import { PageLoader } from '../../../components/PageLoader';
import { QueryError } from '../../../components/QueryError';
import { formatNumber } from '../../../i18n/format';
import { ListPagination } from './ListPagination';
import { PAGE_SIZE } from './listFilters';

interface Props<T> {
  /** The screen's namespace: its `title`, `found` ({{formatted}}), `empty.title` and `empty.hint`. */
  namespace: string;
  intro?: ReactNode;
  filters: ReactNode;
  result: UseQueryResult<{ items: T[]; total: number }, unknown>;
  page: number;
  onPage: (page: number) => void;
  table: (items: T[]) => ReactNode;
}

/** An admin list: its title and count, filters, the page of results (or why none), and the pages. */
export function ListScreen<T>({ namespace, intro, filters, result, page, onPage, table }: Props<T>) {
  const { t, i18n } = useTranslation(namespace);
  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-end">
        <Title order={1} size="h2">
          {t('title')}
        </Title>
        {result.data && (
          <Text size="sm" c="dimmed">
            {t('found', { formatted: formatNumber(result.data.total, i18n.language) })}
          </Text>
        )}
      </Group>
      {intro}
      {filters}
      {result.isPending && <PageLoader />}
      {result.isError && <QueryError error={result.error} onRetry={() => void result.refetch()} />}
      {result.data?.items.length === 0 && <EmptyState title={t('empty.title')} hint={t('empty.hint')} />}
      {!!result.data?.items.length && table(result.data.items)}
      {result.data && <ListPagination total={result.data.total} pageSize={PAGE_SIZE} page={page} onChange={onPage} />}
    </Stack>
  );
}
