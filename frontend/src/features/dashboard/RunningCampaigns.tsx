import { Anchor, Paper, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { Campaign } from '../../client';
import { CampaignProgressBar } from '../campaigns/CampaignProgressBar';
import { useLiveCampaigns, withLiveState } from '../campaigns/live/useLiveCampaigns';
import { campaignPath } from '../campaigns/paths';

/** The campaigns sending now, their progress moving as the live socket reports it. */
export function RunningCampaigns({ campaigns }: { campaigns: Campaign[] }) {
  const { t } = useTranslation('dashboard');
  const live = useLiveCampaigns();
  const running = campaigns
    .map((campaign) => withLiveState(campaign, live).campaign)
    .filter((campaign) => campaign.status === 'RUNNING');
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="running-title">
      <Stack gap="sm">
        <Title order={2} size="h4" id="running-title">
          {t('running.title')}
        </Title>
        {running.length === 0 && <Text c="dimmed">{t('running.empty')}</Text>}
        {running.map((campaign) => (
          <Stack key={campaign.id} gap={4}>
            <Anchor component={Link} to={campaignPath(campaign)} fw={600}>
              {campaign.title}
            </Anchor>
            <CampaignProgressBar counts={campaign.counts} size="sm" />
          </Stack>
        ))}
      </Stack>
    </Paper>
  );
}
