import { Badge, Group, Pagination, Paper, Select, Stack, Table, Text, Title } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RecipientStatus, RecipientView } from '../../client';
import { listRecipientsApiV1CampaignsCampaignIdRecipientsGetOptions } from '../../client/@tanstack/react-query.gen';
import { PageLoader } from '../../components/PageLoader';
import { QueryError } from '../../components/QueryError';
import { formatDateTime, formatNumber } from '../../i18n/format';
import { RECIPIENT_COLORS, RECIPIENT_STATUSES } from './status';
import { useRefetchOnChange } from './useRefetchOnChange';

const PAGE_SIZE = 25;

function lastTime(recipient: RecipientView): string | null {
  return recipient.read_at ?? recipient.delivered_at ?? recipient.sent_at;
}

function RecipientRow({ recipient }: { recipient: RecipientView }) {
  const { t, i18n } = useTranslation('campaigns');
  const at = lastTime(recipient);
  return (
    <Table.Tr>
      <Table.Td dir="ltr" style={{ whiteSpace: 'nowrap' }}>
        {recipient.phone}
      </Table.Td>
      <Table.Td>{recipient.name ?? ''}</Table.Td>
      <Table.Td>
        <Badge color={RECIPIENT_COLORS[recipient.status]} variant="dot">
          {t(`recipientStatus.${recipient.status}`)}
        </Badge>
      </Table.Td>
      <Table.Td>{formatNumber(recipient.attempt, i18n.language)}</Table.Td>
      <Table.Td>{at ? formatDateTime(at, i18n.language) : ''}</Table.Td>
      <Table.Td>
        <Text size="sm" c="red.9">
          {recipient.error ?? ''}
        </Text>
      </Table.Td>
    </Table.Tr>
  );
}

/** The campaign's recipients, filtered by status, with their errors; refreshed as counts move. */
export function RecipientsTable({ campaignId, version }: { campaignId: number; version: string }) {
  const { t, i18n } = useTranslation('campaigns');
  const [status, setStatus] = useState<RecipientStatus | null>(null);
  const [page, setPage] = useState(1);
  const recipients = useQuery({
    ...listRecipientsApiV1CampaignsCampaignIdRecipientsGetOptions({
      path: { campaign_id: campaignId },
      query: { page, page_size: PAGE_SIZE, ...(status ? { status } : {}) },
    }),
    placeholderData: keepPreviousData,
  });
  // Counts changed (pushed live): fetch the page again, at most every few seconds.
  const { refetch } = recipients;
  useRefetchOnChange(version, refetch);
  const pages = Math.max(1, Math.ceil((recipients.data?.total ?? 0) / PAGE_SIZE));
  return (
    <Paper withBorder p="md" radius="md">
      <Stack>
        <Group justify="space-between">
          <Title order={2} size="h4">
            {t('recipients.title')}
          </Title>
          <Select
            label={t('recipients.filter')}
            value={status ?? 'ALL'}
            allowDeselect={false}
            onChange={(value) => {
              setPage(1);
              setStatus(value === 'ALL' || value === null ? null : (value as RecipientStatus));
            }}
            data={[
              { value: 'ALL', label: t('recipients.all') },
              ...RECIPIENT_STATUSES.map((value) => ({ value, label: t(`recipientStatus.${value}`) })),
            ]}
          />
        </Group>
        {recipients.isPending && <PageLoader />}
        {recipients.isError && <QueryError error={recipients.error} onRetry={() => void refetch()} />}
        {recipients.data?.items.length === 0 && <Text c="dimmed">{t('recipients.empty')}</Text>}
        {!!recipients.data?.items.length && (
          <Table.ScrollContainer minWidth={640}>
            <Table striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('recipients.phone')}</Table.Th>
                  <Table.Th>{t('recipients.name')}</Table.Th>
                  <Table.Th>{t('recipients.status')}</Table.Th>
                  <Table.Th>{t('recipients.attempts')}</Table.Th>
                  <Table.Th>{t('recipients.time')}</Table.Th>
                  <Table.Th>{t('recipients.error')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {recipients.data.items.map((recipient) => (
                  <RecipientRow key={recipient.id} recipient={recipient} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {pages > 1 && (
          <Pagination
            total={pages}
            value={page}
            onChange={setPage}
            aria-label={t('recipients.pagination')}
            getItemProps={(item) => ({ children: formatNumber(item, i18n.language) })}
          />
        )}
      </Stack>
    </Paper>
  );
}
