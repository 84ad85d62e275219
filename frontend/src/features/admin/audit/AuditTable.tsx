import { Code, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { AuditEntry } from '../../../client';
import { formatDateTime } from '../../../i18n/format';
import { useActionLabel } from '../../audit/useActionLabel';
import { ResultTable } from '../filters/ResultTable';
import { UserLink } from '../filters/UserLink';

const COLUMNS = ['time', 'action', 'actor', 'subject', 'address', 'details'] as const;

/** What an entry adds beyond who, whom and when (a reason, a package, a new status…), as one line,
 *  each name in the reader's language (a name the app does not know yet shows as the API gives it). */
function detailsLine(details: AuditEntry['details'], label: (key: string) => string): string {
  return Object.entries(details)
    .map(([key, value]) => `${label(key)}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(' · ');
}

export function AuditTable({ entries }: { entries: AuditEntry[] }) {
  const { t, i18n } = useTranslation('adminAudit');
  const actionLabel = useActionLabel();
  const detailLabel = (key: string) => t(`details.${key}`, { defaultValue: key });
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
            <Text size="xs" c="dimmed" dir="auto" lineClamp={2}>
              {detailsLine(entry.details, detailLabel)}
            </Text>
          </Table.Td>
        </Table.Tr>
      ))}
    </ResultTable>
  );
}
