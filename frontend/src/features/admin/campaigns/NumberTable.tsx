import { Anchor, Badge, Stack, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { NumberView } from '../../../client';
import { formatDateTime, formatNumber } from '../../../i18n/format';
import { ConfirmWithReason } from '../components/ConfirmWithReason';
import { ResultTable } from '../filters/ResultTable';
import { UserLink } from '../filters/UserLink';
import { oversightPath } from './oversightFilters';
import { useNumberActions } from './useOversight';

const STATUS_COLORS: Record<NumberView['status'], string> = {
  LINKING: 'blue.9',
  CONNECTED: 'teal.9',
  DISCONNECTED: 'orange.9',
  LOGGED_OUT: 'gray.7',
  BANNED: 'red.9',
};

/** Suspend a number platform-wide (its running campaigns pause), or lift the suspension. */
export function SuspensionButton({ number }: { number: NumberView }) {
  const { t } = useTranslation('adminCampaigns');
  const actions = useNumberActions();
  const name = number.display_name;
  if (number.suspended_at) {
    return (
      <ConfirmWithReason
        label={t('numbers.restore')}
        ariaLabel={t('numbers.restoreLabel', { name })}
        button={{ color: 'teal' }}
        title={t('numbers.restoreTitle', { name })}
        body={t('numbers.restoreBody')}
        confirmLabel={t('numbers.restore')}
        done={t('numbers.restored', { name })}
        reason="none"
        onConfirm={() => actions.restore(number.id)}
      />
    );
  }
  return (
    <ConfirmWithReason
      label={t('numbers.suspend')}
      ariaLabel={t('numbers.suspendLabel', { name })}
      button={{ color: 'red', variant: 'subtle' }}
      title={t('numbers.suspendTitle', { name })}
      body={t('numbers.suspendBody')}
      confirmLabel={t('numbers.suspend')}
      done={t('numbers.suspended', { name })}
      onConfirm={(reason) => actions.suspend(number.id, reason)}
    />
  );
}

/** Linked WhatsApp numbers of any user: status, suspension, today's sends, the worker holding it. */
export function NumberTable({ numbers, showOwner = true }: { numbers: NumberView[]; showOwner?: boolean }) {
  const { t, i18n } = useTranslation('adminCampaigns');
  const n = (value: number) => formatNumber(value, i18n.language);
  const headers = [
    t('numbers.name'),
    ...(showOwner ? [t('campaigns.owner')] : []),
    ...['provider', 'status', 'sentToday', 'worker'].map((column) => t(`numbers.${column}`)),
    t('campaigns.actions'),
  ];
  return (
    <ResultTable caption={t('numbers.caption')} headers={headers} minWidth={860}>
      {numbers.map((number) => (
        <Table.Tr key={number.id}>
          <Table.Td>
            <Stack gap={0}>
              <Text size="sm" fw={600}>
                {number.display_name}
              </Text>
              <Text size="xs" c="dimmed" dir="ltr" ta="start">
                {number.phone ?? t('numbers.noPhone')}
              </Text>
              <Anchor component={Link} to={oversightPath({ number: number.id })} size="xs">
                {t('numbers.campaignsOn', { id: n(number.id) })}
              </Anchor>
            </Stack>
          </Table.Td>
          {showOwner && (
            <Table.Td>
              <UserLink id={number.user_id} />
            </Table.Td>
          )}
          <Table.Td>{t(`providers.${number.provider}`)}</Table.Td>
          <Table.Td>
            <Stack gap={4} align="flex-start">
              <Badge color={STATUS_COLORS[number.status]} variant="filled" miw="max-content">
                {t(`senders:status.${number.status}`)}
              </Badge>
              {number.suspended_at && (
                <>
                  <Badge color="red.9" variant="filled" miw="max-content">
                    {t('numbers.suspendedSince', { date: formatDateTime(number.suspended_at, i18n.language) })}
                  </Badge>
                  {number.suspended_reason && (
                    <Text size="xs" c="dimmed" maw={260}>
                      {number.suspended_reason}
                    </Text>
                  )}
                </>
              )}
            </Stack>
          </Table.Td>
          <Table.Td>{n(number.sent_today)}</Table.Td>
          <Table.Td>
            <Text size="xs" dir="ltr" ta="start">
              {number.lease_owner ?? '—'}
            </Text>
          </Table.Td>
          <Table.Td>
            <SuspensionButton number={number} />
          </Table.Td>
        </Table.Tr>
      ))}
    </ResultTable>
  );
}
