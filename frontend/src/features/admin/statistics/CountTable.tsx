import { Table } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { formatNumber } from '../../../i18n/format';

/** Figures by kind (campaigns by status, payments by outcome), each named in the reader's words. */
export function CountTable({ caption, counts, label }: { caption: string; counts: Record<string, number>; label: (key: string) => string }) {
  const { t, i18n } = useTranslation('adminStatistics');
  const entries = Object.entries(counts).sort(([, a], [, b]) => b - a);
  return (
    <Table verticalSpacing={4}>
      <Table.Caption>{caption}</Table.Caption>
      <Table.Tbody>
        {entries.length === 0 && (
          <Table.Tr>
            <Table.Td>{t('noneInRange')}</Table.Td>
          </Table.Tr>
        )}
        {entries.map(([key, count]) => (
          <Table.Tr key={key}>
            <Table.Th scope="row" fw={500}>
              {label(key)}
            </Table.Th>
            <Table.Td>{formatNumber(count, i18n.language)}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
