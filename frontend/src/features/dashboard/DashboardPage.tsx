import '@mantine/charts/styles.css';
import { SimpleGrid, Stack, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { PageLoader } from '../../components/PageLoader';
import { QueryError } from '../../components/QueryError';
import { useCurrentUser } from '../../hooks/useCurrentUser';
import { ActivityChart } from './ActivityChart';
import { DashboardStats } from './DashboardStats';
import { NextSteps } from './NextSteps';
import { RunningCampaigns } from './RunningCampaigns';
import { useDashboardData } from './useDashboardData';

export default function DashboardPage() {
  const { t } = useTranslation('dashboard');
  const me = useCurrentUser();
  // When the screen opened: the subscription's days left are counted from it.
  const [now] = useState(() => new Date());
  const { subscription, senders, campaigns, statistics } = useDashboardData();
  const failed = [subscription, senders, campaigns, statistics].find((query) => query.isError);
  return (
    <Stack>
      <Title order={1} size="h2">
        {t('title')}
      </Title>
      <Title order={2} size="h5" fw={500}>
        {t('welcome', { name: me.data?.name ?? '' })}
      </Title>
      {failed && <QueryError error={failed.error} onRetry={() => void failed.refetch()} />}
      {subscription.data && senders.data && campaigns.data && statistics.data ? (
        <>
          <NextSteps
            subscribed={subscription.data.active}
            hasNumber={senders.data.length > 0}
            hasCampaign={campaigns.data.items.length > 0}
          />
          <DashboardStats subscription={subscription.data} senders={senders.data} campaigns={campaigns.data.items} now={now} />
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <RunningCampaigns campaigns={campaigns.data.items} />
            <ActivityChart days={statistics.data.messages.days} />
          </SimpleGrid>
        </>
      ) : (
        !failed && <PageLoader />
      )}
    </Stack>
  );
}
