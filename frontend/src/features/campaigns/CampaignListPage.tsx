import { Anchor, Button, Group, Pagination, Stack, Table, Text, Title } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { Campaign } from '../../client';
import { listCampaignsApiV1CampaignsGetOptions } from '../../client/@tanstack/react-query.gen';
import { EmptyState } from '../../components/EmptyState';
import { PageLoader } from '../../components/PageLoader';
import { QueryError } from '../../components/QueryError';
import { formatDateTime, formatNumber } from '../../i18n/format';
import { CampaignProgressBar } from './CampaignProgressBar';
import { CampaignStatusBadge } from './CampaignStatusBadge';
import { useLiveCampaigns, withLiveState } from './live/useLiveCampaigns';
import { campaignPath } from './paths';

function NewCampaignButton() {
  const { t } = useTranslation('campaigns');
  return (
    <Button component={Link} to="/campaigns/new" leftSection={<IconPlus size={16} aria-hidden />}>
      {t('list.new')}
    </Button>
  );
}

function CampaignRow({ campaign }: { campaign: Campaign }) {
  const { t, i18n } = useTranslation('campaigns');
  return (
    <Table.Tr>
      <Table.Td>
        <Anchor component={Link} to={campaignPath(campaign)}>
          {campaign.title ?? t('list.untitled')}
        </Anchor>
      </Table.Td>
      <Table.Td>
        <CampaignStatusBadge status={campaign.status} />
      </Table.Td>
      <Table.Td miw={160}>
        <CampaignProgressBar counts={campaign.counts} size="sm" />
      </Table.Td>
      <Table.Td visibleFrom="sm">
        <Text size="sm">{formatDateTime(campaign.created_at, i18n.language)}</Text>
      </Table.Td>
    </Table.Tr>
  );
}

function CampaignTable({ campaigns }: { campaigns: Campaign[] }) {
  const { t } = useTranslation('campaigns');
  const live = useLiveCampaigns();
  return (
    <Table.ScrollContainer minWidth={420}>
      <Table verticalSpacing="sm" highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('list.columns.title')}</Table.Th>
            <Table.Th>{t('list.columns.status')}</Table.Th>
            <Table.Th>{t('list.columns.progress')}</Table.Th>
            <Table.Th visibleFrom="sm">{t('list.columns.created')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {campaigns.map((campaign) => (
            <CampaignRow key={campaign.id} campaign={withLiveState(campaign, live).campaign} />
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

const PAGE_SIZE = 20;

export default function CampaignListPage() {
  const { t, i18n } = useTranslation('campaigns');
  const [page, setPage] = useState(1);
  const campaigns = useQuery({
    ...listCampaignsApiV1CampaignsGetOptions({ query: { page, page_size: PAGE_SIZE } }),
    placeholderData: keepPreviousData,
  });
  const pages = Math.ceil((campaigns.data?.total ?? 0) / PAGE_SIZE);
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">
          {t('list.title')}
        </Title>
        <NewCampaignButton />
      </Group>
      {campaigns.isPending && <PageLoader />}
      {campaigns.isError && <QueryError error={campaigns.error} onRetry={() => void campaigns.refetch()} />}
      {campaigns.data?.items.length === 0 && (
        <EmptyState title={t('list.emptyTitle')} hint={t('list.emptyHint')} action={<NewCampaignButton />} />
      )}
      {!!campaigns.data?.items.length && <CampaignTable campaigns={campaigns.data.items} />}
      {pages > 1 && (
        <Pagination
          total={pages}
          value={page}
          onChange={setPage}
          aria-label={t('list.pagination')}
          getItemProps={(item) => ({ children: formatNumber(item, i18n.language) })}
        />
      )}
    </Stack>
  );
}
