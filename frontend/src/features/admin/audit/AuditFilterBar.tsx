import { Select, SimpleGrid } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { KNOWN_ACTIONS } from '../../audit/locales';
import { useActionLabel } from '../../audit/useActionLabel';
import { PeriodSelect } from '../filters/PeriodSelect';
import { PERIODS } from '../filters/period';
import { UserIdInput } from '../filters/UserIdInput';
import type { AuditFilters } from './auditFilters';

export function AuditFilterBar({ filters, onChange }: { filters: AuditFilters; onChange: (filters: AuditFilters) => void }) {
  const { t } = useTranslation('adminAudit');
  const actionLabel = useActionLabel();
  const change = (patch: Partial<AuditFilters>) => onChange({ ...filters, ...patch, page: 1 });
  return (
    <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="xs" role="search" aria-label={t('filters')}>
      <UserIdInput value={filters.user} onChange={(user) => change({ user })} />
      <Select
        label={t('action')}
        placeholder={t('anyAction')}
        searchable
        clearable
        data={KNOWN_ACTIONS.map((action) => ({ value: action, label: actionLabel(action) }))}
        value={filters.action}
        onChange={(action) => change({ action })}
      />
      <PeriodSelect value={filters.period} periods={PERIODS} onChange={(period) => change({ period })} />
    </SimpleGrid>
  );
}
