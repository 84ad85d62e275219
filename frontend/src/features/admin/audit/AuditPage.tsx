import { Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { searchAuditLogApiV1AdminAuditGetOptions } from '../../../client/@tanstack/react-query.gen';
import { ListScreen } from '../filters/ListScreen';
import { useSearchFilters } from '../filters/useSearchFilters';
import { AuditFilterBar } from './AuditFilterBar';
import { auditQuery, parseAuditFilters } from './auditFilters';
import { AuditTable } from './AuditTable';

/** Who did what to whom, from where and when: every admin action and security event, searchable. */
export default function AuditPage() {
  const { t } = useTranslation('adminAudit');
  const [filters, setFilters] = useSearchFilters(parseAuditFilters);
  // The period counts back from when the screen opened, so paging does not shift the entries.
  const [now] = useState(() => new Date());
  const entries = useQuery({ ...searchAuditLogApiV1AdminAuditGetOptions({ query: auditQuery(filters, now) }), placeholderData: (previous) => previous });
  return (
    <ListScreen
      namespace="adminAudit"
      intro={
        <Text size="sm" c="dimmed">
          {t('intro')}
        </Text>
      }
      filters={<AuditFilterBar filters={filters} onChange={setFilters} />}
      result={entries}
      page={filters.page}
      onPage={(page) => setFilters({ ...filters, page })}
      table={(items) => <AuditTable entries={items} />}
    />
  );
}
