import { Alert, Badge, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import type { Campaign } from '../../client';
import { readCampaignApiV1CampaignsCampaignIdGetOptions } from '../../client/@tanstack/react-query.gen';
import { PageLoader } from '../../components/PageLoader';
import { QueryError } from '../../components/QueryError';
import { CampaignActions } from './CampaignActions';
import { CampaignCounters } from './CampaignCounters';
import { CampaignProgressBar } from './CampaignProgressBar';
import { CampaignStatusBadge } from './CampaignStatusBadge';
import { CampaignTimes } from './CampaignTimes';
import { ExportButtons } from './ExportButtons';
import type { ProgressSample } from './live/liveState';
import { useLiveCampaigns, withLiveState } from './live/useLiveCampaigns';
import { ProgressChart } from './ProgressChart';
import { RecipientsTable } from './RecipientsTable';
import { describeStatusReason, isFinished } from './status';
import { useRefetchOnChange } from './useRefetchOnChange';

const POLL_MS = 5_000;

function LiveBadge({ connected }: { connected: boolean }) {
  const { t } = useTranslation('campaigns');
  if (connected) {
    return (
      <Badge color="green" variant="dot">
        {t('progress.live')}
      </Badge>
    );
  }
  return (
    <Text size="xs" c="dimmed">
      {t('progress.offline')}
    </Text>
  );
}

/** Why the campaign is in its status: the API's words, in the reader's language when known. */
function StatusReason({ reason }: { reason: string }) {
  const { t } = useTranslation('campaigns');
  return <Text size="sm">{describeStatusReason(reason, t)}</Text>;
}

function CampaignReport({ campaign, samples, connected }: { campaign: Campaign; samples: readonly ProgressSample[]; connected: boolean }) {
  const { t } = useTranslation('campaigns');
  return (
    <Stack>
      <Group justify="space-between" align="flex-start">
        <Stack gap={4}>
          <Title order={1} size="h2">
            {campaign.title ?? t('list.untitled')}
          </Title>
          <Group gap="xs">
            <CampaignStatusBadge status={campaign.status} />
            {!isFinished(campaign.status) && <LiveBadge connected={connected} />}
          </Group>
          {campaign.status_reason && <StatusReason reason={campaign.status_reason} />}
        </Stack>
        <CampaignActions campaign={campaign} />
      </Group>
      {!campaign.is_connected && !isFinished(campaign.status) && (
        <Alert color="yellow" role="status">
          {t('progress.notConnected')}
        </Alert>
      )}
      <Paper withBorder p="md" radius="md">
        <Stack gap="sm">
          <CampaignProgressBar counts={campaign.counts} size="lg" />
          <CampaignTimes campaign={campaign} />
        </Stack>
      </Paper>
      <CampaignCounters counts={campaign.counts} />
      {(samples.length > 1 || !isFinished(campaign.status)) && <ProgressChart samples={samples} />}
      <ExportButtons campaignId={campaign.id} />
      <RecipientsTable campaignId={campaign.id} version={JSON.stringify(campaign.counts)} />
    </Stack>
  );
}

export default function CampaignPage() {
  const campaignId = Number(useParams().campaignId);
  const live = useLiveCampaigns();
  const query = useQuery({
    ...readCampaignApiV1CampaignsCampaignIdGetOptions({ path: { campaign_id: campaignId } }),
    // Without the live connection, a running campaign is read again every few seconds.
    refetchInterval: (current) => (!live.connected && current.state.data?.status === 'RUNNING' ? POLL_MS : false),
  });
  const shown = query.data ? withLiveState(query.data, live) : null;
  // A new status (pushed) brings times the push does not carry, such as the estimated finish.
  useRefetchOnChange(shown?.campaign.status ?? '', query.refetch);
  if (query.isPending) return <PageLoader />;
  if (query.isError || !shown) return <QueryError error={query.error} onRetry={() => void query.refetch()} />;
  return <CampaignReport campaign={shown.campaign} samples={shown.samples} connected={live.connected} />;
}
