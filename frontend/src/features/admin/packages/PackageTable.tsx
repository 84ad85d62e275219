import { Badge, Group, Table } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Package } from '../../../client';
import { formatNumber } from '../../../i18n/format';
import { DeactivatePackageButton } from './DeactivatePackageButton';
import { EditPackageButton } from './EditPackageButton';

/** Every package with its price, duration, message limit and status, and what can be done to it. */
export function PackageTable({ packages, currency }: { packages: Package[]; currency: string }) {
  const { t, i18n } = useTranslation('adminPackages');
  const n = (value: number | string) => formatNumber(value, i18n.language);
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table striped verticalSpacing="sm">
        <Table.Caption>{t('table.caption')}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('table.title')}</Table.Th>
            <Table.Th>{t('table.price')}</Table.Th>
            <Table.Th>{t('table.days')}</Table.Th>
            <Table.Th>{t('table.messages')}</Table.Th>
            <Table.Th>{t('table.status')}</Table.Th>
            <Table.Th>{t('table.actions')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {packages.map((pkg) => (
            <Table.Tr key={pkg.id}>
              <Table.Td>{pkg.title}</Table.Td>
              <Table.Td>{t('table.priceValue', { amount: n(pkg.price), currency })}</Table.Td>
              <Table.Td>{t('table.daysValue', { value: n(pkg.duration_days) })}</Table.Td>
              <Table.Td>{n(pkg.message_limit)}</Table.Td>
              <Table.Td>
                <Badge color={pkg.status === 'ACTIVE' ? 'teal' : 'gray'} variant="light">
                  {t(`table.statuses.${pkg.status}`)}
                </Badge>
              </Table.Td>
              <Table.Td>
                <Group gap="xs" wrap="nowrap">
                  <EditPackageButton pkg={pkg} currency={currency} />
                  {pkg.status === 'ACTIVE' && <DeactivatePackageButton pkg={pkg} />}
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
