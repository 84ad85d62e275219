import { Stack, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { PackageList } from './PackageList';
import { PaymentHistory } from './PaymentHistory';
import { SubscriptionCard } from './SubscriptionCard';

export default function BillingPage() {
  const { t } = useTranslation('billing');
  return (
    <Stack gap="xl">
      <Title order={1} size="h2">
        {t('title')}
      </Title>
      <SubscriptionCard />
      <PackageList />
      <PaymentHistory />
    </Stack>
  );
}
