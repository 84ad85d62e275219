import { Code, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { PaymentView } from '../../../client';
import { formatDateTime } from '../../../i18n/format';
import { PaymentStatusBadge } from '../../billing/PaymentStatusBadge';
import { ResultTable } from '../filters/ResultTable';
import { UserLink } from '../filters/UserLink';
import { useMoney } from '../useMoney';

const COLUMNS = ['started', 'user', 'package', 'amount', 'status', 'gateway', 'paid', 'reference'] as const;

interface Props {
  payments: PaymentView[];
  /** Package titles by id (a payment names only its package's id). */
  packageTitles: Map<number, string>;
}

export function PaymentTable({ payments, packageTitles }: Props) {
  const { t, i18n } = useTranslation('adminPayments');
  const money = useMoney();
  const when = (moment: string | null | undefined) => (moment ? formatDateTime(moment, i18n.language) : '—');
  return (
    <ResultTable caption={t('caption')} headers={COLUMNS.map((column) => t(`columns.${column}`))} minWidth={900}>
      {payments.map((payment) => (
        <Table.Tr key={payment.id}>
          <Table.Td style={{ whiteSpace: 'nowrap' }}>{when(payment.created_at)}</Table.Td>
          <Table.Td>
            <UserLink id={payment.user_id} />
          </Table.Td>
          <Table.Td>{packageTitles.get(payment.package_id) ?? `#${payment.package_id}`}</Table.Td>
          <Table.Td style={{ whiteSpace: 'nowrap' }}>{money(payment.amount, payment.currency)}</Table.Td>
          <Table.Td>
            <PaymentStatusBadge status={payment.status} />
            {payment.failure_reason && (
              <Text size="xs" c="dimmed">
                {payment.failure_reason}
              </Text>
            )}
          </Table.Td>
          <Table.Td>{payment.gateway}</Table.Td>
          <Table.Td style={{ whiteSpace: 'nowrap' }}>{when(payment.paid_at)}</Table.Td>
          <Table.Td>
            {payment.ref_id ? <Code dir="ltr">{payment.ref_id}</Code> : '—'}
            {payment.invoice_number && (
              <Text size="xs" c="dimmed" dir="ltr">
                {payment.invoice_number}
              </Text>
            )}
          </Table.Td>
        </Table.Tr>
      ))}
    </ResultTable>
  );
}
