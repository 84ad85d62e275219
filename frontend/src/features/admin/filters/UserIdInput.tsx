import { NumberInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';

/** A user's id to narrow a list to (empty: everyone's). */
export function UserIdInput({ value, onChange }: { value: number | null; onChange: (user: number | null) => void }) {
  const { t } = useTranslation('adminFilters');
  return (
    <NumberInput
      label={t('user')}
      description={t('userHint')}
      min={1}
      allowDecimal={false}
      allowNegative={false}
      dir="ltr"
      value={value ?? ''}
      onChange={(next) => onChange(typeof next === 'number' && next > 0 ? next : null)}
    />
  );
}
