import { Badge, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { formatNumber } from '../../../i18n/format';
import { numbersByProvider } from './statisticsData';

type NumberRow = Parameters<typeof numbersByProvider>[0][number];

/** The numbers of each provider: connected, linking, and in trouble (shown in red when any). */
export function ProviderTable({ numbers }: { numbers: NumberRow[] }) {
  const { t, i18n } = useTranslation('adminStatistics');
  const n = (value: number) => formatNumber(value, i18n.language);
  const providers = numbersByProvider(numbers);
  if (providers.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        {t('numbers.none')}
      </Text>
    );
  }
  return (
    <Table verticalSpacing={4}>
      <Table.Caption>{t('numbers.caption')}</Table.Caption>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t('numbers.provider')}</Table.Th>
          <Table.Th>{t('numbers.connected')}</Table.Th>
          <Table.Th>{t('numbers.linking')}</Table.Th>
          <Table.Th>{t('numbers.trouble')}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {providers.map((row) => (
          <Table.Tr key={row.provider}>
            <Table.Th scope="row" fw={500}>
              {t(`numbers.providers.${row.provider}`, { defaultValue: row.provider })}
            </Table.Th>
            <Table.Td>{n(row.connected)}</Table.Td>
            <Table.Td>{n(row.linking)}</Table.Td>
            <Table.Td>
              {row.trouble > 0 ? (
                <Badge color="red.9" variant="filled">
                  {n(row.trouble)}
                </Badge>
              ) : (
                n(0)
              )}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
