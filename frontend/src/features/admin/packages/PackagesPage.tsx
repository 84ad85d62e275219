import { Group, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { EmptyState } from '../../../components/EmptyState';
import { PageLoader } from '../../../components/PageLoader';
import { QueryError } from '../../../components/QueryError';
import { NewPackageButton } from './NewPackageButton';
import { PackageTable } from './PackageTable';
import { useAdminPackages, useCatalogueCurrency } from './useAdminPackages';

/** The admin's catalogue: every package, to create, edit and take off sale. */
export default function PackagesPage() {
  const { t } = useTranslation('adminPackages');
  const packages = useAdminPackages();
  const code = useCatalogueCurrency();
  const currency = code ? t(`currency.${code}`, { defaultValue: code }) : '';
  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-start">
        <Title order={1} size="h2">
          {t('title')}
        </Title>
        {packages.data && <NewPackageButton currency={currency} />}
      </Group>
      <Text size="sm" c="dimmed">
        {t('intro')}
      </Text>
      {packages.isPending && <PageLoader />}
      {packages.isError && <QueryError error={packages.error} onRetry={() => void packages.refetch()} />}
      {packages.data?.length === 0 && <EmptyState title={t('empty.title')} hint={t('empty.hint')} />}
      {packages.data && packages.data.length > 0 && <PackageTable packages={packages.data} currency={currency} />}
    </Stack>
  );
}
