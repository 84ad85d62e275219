import { Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Ranked } from '../../../client';
import { formatNumber } from '../../../i18n/format';
import { UserLink } from '../filters/UserLink';
import { percent } from './statisticsData';

interface Props {
  caption: string;
  rows: Ranked[];
  /** Users link to their page in the console; numbers are named by phone or name. */
  of: 'users' | 'numbers';
}

/** The top users or numbers of the range: what they sent, what failed, and the failure rate. */
export function RankingTable({ caption, rows, of }: Props) {
  const { t, i18n } = useTranslation('adminStatistics');
  const n = (value: number) => formatNumber(value, i18n.language);
  if (rows.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        {caption}: {t('noneInRange')}
      </Text>
    );
  }
  return (
    <Table.ScrollContainer minWidth={360}>
      <Table verticalSpacing={4} captionSide="top">
        <Table.Caption>{caption}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{of === 'users' ? t('rankings.user') : t('rankings.number')}</Table.Th>
            <Table.Th>{t('messages.sent')}</Table.Th>
            <Table.Th>{t('messages.failed')}</Table.Th>
            <Table.Th>{t('rankings.failureRate')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row) => (
            <Table.Tr key={row.id}>
              <Table.Td>{of === 'users' ? <UserLink id={row.id} name={row.name} /> : row.name ? <span dir="ltr">{row.name}</span> : t('rankings.numberId', { id: n(row.id) })}</Table.Td>
              <Table.Td>{n(row.sent)}</Table.Td>
              <Table.Td>{n(row.failed)}</Table.Td>
              <Table.Td>{t('rankings.percent', { value: n(percent(row.failure_rate)) })}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
