import { Select } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Period } from './period';

interface Props<P extends Period> {
  value: P;
  periods: readonly P[];
  onChange: (period: P) => void;
}

/** How far back a screen looks: the last day, week, month, three months, year (or all time). */
export function PeriodSelect<P extends Period>({ value, periods, onChange }: Props<P>) {
  const { t } = useTranslation('adminFilters');
  return (
    <Select
      label={t('period')}
      allowDeselect={false}
      data={periods.map((period) => ({ value: period, label: t(`periods.${period}`) }))}
      value={value}
      onChange={(next) => {
        const chosen = periods.find((period) => period === next);
        if (chosen) onChange(chosen);
      }}
    />
  );
}
