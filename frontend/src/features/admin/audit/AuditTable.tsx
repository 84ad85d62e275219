import { Code, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { AuditEntry } from '../../../client';
import { formatDateTime } from '../../../i18n/format';
import { useActionLabel } from '../../audit/useActionLabel';
import { ResultTable } from '../filters/ResultTable';
import { UserLink } from '../filters/UserLink';

const COLUMNS = ['time', 'action', 'actor', 'subject', 'address', 'details'] as const;

/** What an entry adds beyond who, whom and when (a reason, a package, a new status…), as one line. */
function detailsLine(details: AuditEntry['details']): string {
  return Object.entries(details)
    .map(([key, value]) => `${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(' · ');
}

export function AuditTable({ entries }: { entries: AuditEntry[] }) {
  const { t, i18n } = useTranslation('adminAudit');
  const actionLabel = useActionLabel();
  return (
    <ResultTable caption={t('caption')} headers={COLUMNS.map((column) => t(`columns.${column}`))} minWidth={760}>
      {entries.map((entry) => (
        <Table.Tr key={entry.id}>
          <Table.Td>
            <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
              {formatDateTime(entry.created_at, i18n.language)}
            </Text>
          </Table.Td>
          <Table.Td>
            <Text size="sm" fw={600} title={entry.action}>
              {actionLabel(entry.action)}
            </Text>
          </Table.Td>
          <Table.Td>
            <UserLink id={entry.actor_id ?? null} none={t('system')} />
          </Table.Td>
          <Table.Td>
            <UserLink id={entry.subject_user_id ?? null} />
          </Table.Td>
          <Table.Td>{entry.ip_address ? <Code dir="ltr">{entry.ip_address}</Code> : '—'}</Table.Td>
          <Table.Td>
            <Text size="xs" c="dimmed" dir="ltr" lineClamp={2}>
              {detailsLine(entry.details)}
            </Text>
          </Table.Td>
        </Table.Tr>
      ))}
    </ResultTable>
  );
}
