import { Anchor, Group, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { CampaignRow } from '../../../client';
import { formatDateTime, formatNumber } from '../../../i18n/format';
import { CampaignStatusBadge } from '../../campaigns/CampaignStatusBadge';
import { describeStatusReason } from '../../campaigns/status';
import { CampaignActionButtons } from './CampaignActionButtons';
import { ResultTable } from '../filters/ResultTable';
import { UserLink } from '../filters/UserLink';
import { oversightPath } from './oversightFilters';

/** How many recipients a campaign has, and how many were sent to or failed. */
function Counts({ counts }: { counts: CampaignRow['counts'] }) {
  const { t, i18n } = useTranslation('adminCampaigns');
  const n = (key: string) => formatNumber(counts[key] ?? 0, i18n.language);
  const sent = (counts.sent ?? 0) + (counts.delivered ?? 0) + (counts.read ?? 0);
  return (
    <Text size="sm">
      {t('campaigns.countsValue', { total: n('total'), sent: formatNumber(sent, i18n.language), failed: n('failed') })}
    </Text>
  );
}

/** Campaigns of any user, with their owner, numbers, counts and the admin's actions. */
export function CampaignTable({ campaigns, showOwner = true }: { campaigns: CampaignRow[]; showOwner?: boolean }) {
  const { t, i18n } = useTranslation('adminCampaigns');
  const n = (value: number) => formatNumber(value, i18n.language);
  const headers = ['title', ...(showOwner ? ['owner'] : []), 'status', 'numbers', 'counts', 'created', 'actions'].map((column) => t(`campaigns.${column}`));
  return (
    <ResultTable caption={t('campaigns.caption')} headers={headers} minWidth={900}>
      {campaigns.map((campaign) => (
        <Table.Tr key={campaign.id}>
          <Table.Td>
            <Text size="sm" fw={600}>
              {campaign.title ?? t('campaigns.untitled', { id: n(campaign.id) })}
            </Text>
          </Table.Td>
          {showOwner && (
            <Table.Td>
              <UserLink id={campaign.user_id} name={campaign.owner_name} />
            </Table.Td>
          )}
          <Table.Td>
            <CampaignStatusBadge status={campaign.status} />
            {campaign.status_reason && (
              <Text size="xs" c="dimmed" maw={260}>
                {describeStatusReason(campaign.status_reason, t)}
              </Text>
            )}
          </Table.Td>
          <Table.Td>
            <Group gap={6}>
              {campaign.sender_ids.map((id) => (
                <Anchor key={id} component={Link} to={oversightPath({ number: id })} size="sm">
                  {t('campaigns.number', { id: n(id) })}
                </Anchor>
              ))}
            </Group>
          </Table.Td>
          <Table.Td>
            <Counts counts={campaign.counts} />
          </Table.Td>
          <Table.Td>
            <Text size="sm">{formatDateTime(campaign.created_at, i18n.language)}</Text>
          </Table.Td>
          <Table.Td>
            <CampaignActionButtons campaign={campaign} />
          </Table.Td>
        </Table.Tr>
      ))}
    </ResultTable>
  );
}
