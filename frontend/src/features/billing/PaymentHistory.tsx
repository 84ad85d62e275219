import { Anchor, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { listPackagesApiV1PackagesGetOptions, myPaymentsApiV1PaymentsGetOptions } from '../../client/@tanstack/react-query.gen';
import { PageLoader } from '../../components/PageLoader';
import { QueryError } from '../../components/QueryError';
import { formatDateTime, formatNumber } from '../../i18n/format';
import { PaymentStatusBadge } from './PaymentStatusBadge';

/** The person's payments, newest first, each paid one with its receipt. */
export function PaymentHistory() {
  const { t, i18n } = useTranslation('billing');
  const payments = useQuery(myPaymentsApiV1PaymentsGetOptions({ query: { page_size: 50 } }));
  const packages = useQuery(listPackagesApiV1PackagesGetOptions());
  const titleOf = (id: number) => packages.data?.find((pkg) => pkg.id === id)?.title ?? `#${id}`;
  return (
    <Stack component="section" aria-labelledby="payments-title">
      <Title order={2} size="h4" id="payments-title">
        {t('payments.title')}
      </Title>
      {payments.isPending && <PageLoader />}
      {payments.isError && <QueryError error={payments.error} onRetry={() => void payments.refetch()} />}
      {payments.data?.items.length === 0 && <Text c="dimmed">{t('payments.empty')}</Text>}
      {payments.data && payments.data.items.length > 0 && (
        <Table.ScrollContainer minWidth={560}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('payments.date')}</Table.Th>
                <Table.Th>{t('payments.package')}</Table.Th>
                <Table.Th>{t('payments.amount')}</Table.Th>
                <Table.Th>{t('payments.status')}</Table.Th>
                <Table.Th>{t('payments.reference')}</Table.Th>
                <Table.Th>{t('payments.invoice')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {payments.data.items.map((payment) => (
                <Table.Tr key={payment.id}>
                  <Table.Td>{formatDateTime(payment.created_at, i18n.language)}</Table.Td>
                  <Table.Td>{titleOf(payment.package_id)}</Table.Td>
                  <Table.Td>{`${formatNumber(payment.amount, i18n.language)} ${payment.currency}`}</Table.Td>
                  <Table.Td>
                    <PaymentStatusBadge status={payment.status} />
                  </Table.Td>
                  <Table.Td dir="ltr">{payment.ref_id ?? '—'}</Table.Td>
                  <Table.Td>
                    {payment.status === 'PAID' && (
                      <Anchor component={Link} to={`/billing/payments/${payment.id}/invoice`}>
                        {payment.invoice_number ?? t('payments.showInvoice')}
                      </Anchor>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
