import { Alert, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { describeError } from '../../api/describeError';
import { checkoutApiV1PaymentsCheckoutPostMutation, listPackagesApiV1PackagesGetOptions } from '../../client/@tanstack/react-query.gen';
import { EmptyState } from '../../components/EmptyState';
import { PageLoader } from '../../components/PageLoader';
import { QueryError } from '../../components/QueryError';
import { PackageCard } from './PackageCard';

/** The packages on sale; buying one sends the payer to the gateway. */
export function PackageList() {
  const { t } = useTranslation('billing');
  const packages = useQuery(listPackagesApiV1PackagesGetOptions());
  const checkout = useMutation({
    ...checkoutApiV1PaymentsCheckoutPostMutation(),
    onSuccess: ({ redirect_url }) => window.location.assign(redirect_url),
  });
  const buyingId = checkout.isPending || checkout.isSuccess ? checkout.variables.body.package_id : null;
  return (
    <Stack component="section" aria-labelledby="packages-title">
      <Title order={2} size="h4" id="packages-title">
        {t('packages.title')}
      </Title>
      <Text size="sm" c="dimmed">
        {t('packages.stacking')}
      </Text>
      {checkout.isError && <Alert color="red" role="alert">{describeError(checkout.error, t)}</Alert>}
      {checkout.isSuccess && <Alert color="teal">{t('packages.redirecting')}</Alert>}
      {packages.isPending && <PageLoader />}
      {packages.isError && <QueryError error={packages.error} onRetry={() => void packages.refetch()} />}
      {packages.data?.length === 0 && <EmptyState title={t('packages.empty.title')} hint={t('packages.empty.hint')} />}
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
        {packages.data?.map((pkg) => (
          <PackageCard
            key={pkg.id}
            pkg={pkg}
            buying={buyingId === pkg.id}
            onBuy={() => checkout.mutate({ body: { package_id: pkg.id, gateway: 'sandbox' } })}
          />
        ))}
      </SimpleGrid>
    </Stack>
  );
}
