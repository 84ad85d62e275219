import { BarChart, LineChart } from '@mantine/charts';
import { Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { directionOf } from '../../../i18n';
import { formatDay, formatNumber } from '../../../i18n/format';
import { Section } from './Section';
import type { DayRow } from './statisticsData';

export interface DaySeries {
  name: string;
  label: string;
  color: string;
}

interface Props {
  title: string;
  rows: DayRow[];
  series: DaySeries[];
  kind: 'line' | 'bar';
  format?: (value: number) => string;
}

/** A figure per day of the range, drawn the way the reader reads (right to left in Persian). */
export function DayChart({ title, rows, series, kind, format }: Props) {
  const { t, i18n } = useTranslation('adminStatistics');
  const data = rows.map((row) => ({ ...row, label: formatDay(new Date(`${row.day}T12:00:00Z`), i18n.language) }));
  const empty = rows.every((row) => series.every((one) => !row[one.name]));
  const rtl = directionOf(i18n.language) === 'rtl';
  const props = {
    h: 260,
    data,
    dataKey: 'label',
    series,
    withLegend: true,
    xAxisProps: { reversed: rtl },
    yAxisProps: { orientation: rtl ? ('right' as const) : ('left' as const) },
    valueFormatter: format ?? ((value: number) => formatNumber(value, i18n.language)),
  };
  return (
    <Section title={title}>
      {empty ? (
        <Text size="sm" c="dimmed">
          {t('noneInRange')}
        </Text>
      ) : kind === 'line' ? (
        <LineChart {...props} curveType="monotone" />
      ) : (
        <BarChart {...props} />
      )}
    </Section>
  );
}
