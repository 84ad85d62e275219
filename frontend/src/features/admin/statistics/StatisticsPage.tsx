import '@mantine/charts/styles.css';
import { Group, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import type { PlatformStatistics } from '../../../client';
import { platformStatisticsApiV1AdminStatisticsGetOptions } from '../../../client/@tanstack/react-query.gen';
import { PageLoader } from '../../../components/PageLoader';
import { QueryError } from '../../../components/QueryError';
import { StatCard } from '../../../components/StatCard';
import { formatDate, formatNumber } from '../../../i18n/format';
import { PeriodSelect } from '../filters/PeriodSelect';
import { chosenDays, periodOf, type DayPeriod } from '../filters/period';
import { useMoney } from '../useMoney';
import { CountTable } from './CountTable';
import { DayChart } from './DayChart';
import { ProviderTable } from './ProviderTable';
import { RankingTable } from './RankingTable';
import { Section } from './Section';
import { peopleByDay, revenueByDay } from './statisticsData';

const STATISTICS_PERIODS: DayPeriod[] = ['week', 'month', 'quarter', 'year'];
const MESSAGE_FIGURES = ['sent', 'delivered', 'read', 'failed', 'skipped'] as const;
// Dark shades: their text and lines keep WCAG AA contrast on white.
const MESSAGE_COLORS = { sent: 'blue.7', delivered: 'teal.7', read: 'violet.7', failed: 'red.7', skipped: 'gray.7' };

function Figures({ statistics }: { statistics: PlatformStatistics }) {
  const { t, i18n } = useTranslation('adminStatistics');
  const money = useMoney();
  const n = (value: number) => formatNumber(value, i18n.language);
  return (
    <SimpleGrid cols={{ base: 2, sm: 4 }}>
      {MESSAGE_FIGURES.map((figure) => (
        <StatCard key={figure} label={t(`messages.${figure}`)} value={n(statistics.messages.totals[figure])} hint={t(`messages.${figure}Hint`)} />
      ))}
      <StatCard label={t('people.signups')} value={n(statistics.signups.total)} hint={t('people.signupsHint')} />
      <StatCard label={t('people.active')} value={n(statistics.active_users.total)} hint={t('people.activeHint')} />
      <StatCard label={t('revenue.total')} value={money(statistics.revenue.total, statistics.revenue.currency)} hint={t('revenue.totalHint')} />
    </SimpleGrid>
  );
}

function Revenue({ statistics }: { statistics: PlatformStatistics }) {
  const { t, i18n } = useTranslation('adminStatistics');
  const money = useMoney();
  const { currency } = statistics.revenue;
  return (
    <Section title={t('revenue.byPackage')}>
      <Table verticalSpacing={4}>
        <Table.Caption>{t('revenue.byPackageCaption')}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('revenue.package')}</Table.Th>
            <Table.Th>{t('revenue.payments')}</Table.Th>
            <Table.Th>{t('revenue.amount')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {statistics.revenue.by_package.map((row) => (
            <Table.Tr key={row.package_id}>
              <Table.Td>{row.title}</Table.Td>
              <Table.Td>{formatNumber(row.payments, i18n.language)}</Table.Td>
              <Table.Td>{money(row.amount, currency)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {statistics.revenue.by_package.length === 0 && (
        <Text size="sm" c="dimmed">
          {t('noneInRange')}
        </Text>
      )}
      <CountTable caption={t('revenue.byOutcome')} counts={statistics.payments_by_status} label={(status) => t(`billing:payments.statuses.${status}`, { defaultValue: status })} />
    </Section>
  );
}

function Charts({ statistics }: { statistics: PlatformStatistics }) {
  const { t, i18n } = useTranslation('adminStatistics');
  const money = useMoney();
  return (
    <>
      <DayChart
        title={t('messages.title')}
        kind="line"
        rows={statistics.messages.days}
        series={MESSAGE_FIGURES.map((figure) => ({ name: figure, label: t(`messages.${figure}`), color: MESSAGE_COLORS[figure] }))}
      />
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <DayChart
          title={t('people.title')}
          kind="line"
          rows={peopleByDay(statistics.signups.days, statistics.active_users.days)}
          series={[
            { name: 'signups', label: t('people.signups'), color: 'blue.7' },
            { name: 'active', label: t('people.active'), color: 'teal.7' },
          ]}
        />
        <DayChart
          title={t('revenue.title')}
          kind="bar"
          rows={revenueByDay(statistics)}
          series={[{ name: 'amount', label: t('revenue.amount'), color: 'teal.7' }]}
          format={(value) => money(value, statistics.revenue.currency)}
        />
      </SimpleGrid>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Revenue statistics={statistics} />
        <Section title={t('campaigns.title')}>
          <Text size="sm">{t('campaigns.created', { formatted: formatNumber(statistics.campaigns.created.total, i18n.language) })}</Text>
          <CountTable caption={t('campaigns.byStatus')} counts={statistics.campaigns.by_status} label={(status) => t(`campaigns:status.${status}`, { defaultValue: status })} />
        </Section>
      </SimpleGrid>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Section title={t('rankings.users')}>
          <RankingTable of="users" caption={t('rankings.byVolume')} rows={statistics.top_users.by_volume} />
          <RankingTable of="users" caption={t('rankings.byFailureRate')} rows={statistics.top_users.by_failure_rate} />
        </Section>
        <Section title={t('rankings.numbers')}>
          <RankingTable of="numbers" caption={t('rankings.byVolume')} rows={statistics.top_numbers.by_volume} />
          <RankingTable of="numbers" caption={t('rankings.byFailureRate')} rows={statistics.top_numbers.by_failure_rate} />
        </Section>
      </SimpleGrid>
      <Section title={t('numbers.title')}>
        <ProviderTable numbers={statistics.numbers} />
      </Section>
    </>
  );
}

/** The whole platform over a period: messages, people, money, campaigns, the busiest and the failing. */
export default function StatisticsPage() {
  const { t, i18n } = useTranslation('adminStatistics');
  const [params, setParams] = useSearchParams();
  const period = periodOf(params.get('period'), STATISTICS_PERIODS, 'month');
  const [now] = useState(() => new Date());
  const range = chosenDays(params.get('from'), params.get('to'), period, now);
  // A chosen day replaces the period; choosing a period clears the days.
  const chooseDay = (key: 'from' | 'to', day: string) => {
    const next = new URLSearchParams({ from: range.since, to: range.until });
    next.set(key, day);
    setParams(next);
  };
  const statistics = useQuery({ ...platformStatisticsApiV1AdminStatisticsGetOptions({ query: range }), placeholderData: (previous) => previous });
  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-end">
        <Stack gap={4}>
          <Title order={1} size="h2">
            {t('title')}
          </Title>
          <Text size="sm" c="dimmed">
            {t('range', { since: formatDate(`${range.since}T12:00:00Z`, i18n.language), until: formatDate(`${range.until}T12:00:00Z`, i18n.language) })}
          </Text>
        </Stack>
        <Group gap="xs" align="flex-end">
          <PeriodSelect value={period} periods={STATISTICS_PERIODS} onChange={(next) => setParams(next === 'month' ? {} : { period: next })} />
          <TextInput type="date" label={t('from')} value={range.since} max={range.until} onChange={(event) => chooseDay('from', event.currentTarget.value)} />
          <TextInput type="date" label={t('to')} value={range.until} min={range.since} onChange={(event) => chooseDay('to', event.currentTarget.value)} />
        </Group>
      </Group>
      {statistics.isPending && <PageLoader />}
      {statistics.isError && <QueryError error={statistics.error} onRetry={() => void statistics.refetch()} />}
      {statistics.data && (
        <>
          <Figures statistics={statistics.data} />
          <Charts statistics={statistics.data} />
        </>
      )}
    </Stack>
  );
}
