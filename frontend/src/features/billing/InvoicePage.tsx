import { Anchor, Button, Card, Group, Stack, Table, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { IconPrinter } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { myInvoiceApiV1PaymentsPaymentIdInvoiceGetOptions } from '../../client/@tanstack/react-query.gen';
import { PageLoader } from '../../components/PageLoader';
import { QueryError } from '../../components/QueryError';
import { formatDateTime, formatNumber } from '../../i18n/format';

/** A paid payment's numbered receipt, ready to print. */
export default function InvoicePage() {
  const { t, i18n } = useTranslation('billing');
  const paymentId = Number(useParams().paymentId);
  const invoice = useQuery(myInvoiceApiV1PaymentsPaymentIdInvoiceGetOptions({ path: { payment_id: paymentId } }));
  if (invoice.isPending) return <PageLoader />;
  if (invoice.isError) return <QueryError error={invoice.error} onRetry={() => void invoice.refetch()} />;
  const v = invoice.data;
  const n = (value: number | string) => formatNumber(value, i18n.language);
  const rows: [string, string][] = [
    [t('invoice.billedTo'), `${v.billed_name} (${v.billed_email})`],
    [t('invoice.package'), v.package_title],
    [t('invoice.days'), n(v.days)],
    [t('invoice.messages'), n(v.messages)],
    [t('invoice.amount'), `${n(v.amount)} ${v.currency} (${t('packages.price', { amount: n(v.amount_toman) })})`],
    [t('invoice.gateway'), v.gateway],
    [t('invoice.reference'), v.ref_id ?? '—'],
    [t('invoice.issued'), formatDateTime(v.issued_at, i18n.language)],
  ];
  return (
    <Stack>
      <Anchor component={Link} to="/billing">
        {t('invoice.back')}
      </Anchor>
      <Card withBorder radius="md">
        <Stack>
          <Group justify="space-between">
            <Title order={1} size="h3">
              {t('invoice.title', { number: v.number })}
            </Title>
            <Button variant="default" leftSection={<IconPrinter size={16} aria-hidden />} onClick={() => window.print()}>
              {t('invoice.print')}
            </Button>
          </Group>
          <Table>
            <Table.Tbody>
              {rows.map(([label, value]) => (
                <Table.Tr key={label}>
                  <Table.Th scope="row">{label}</Table.Th>
                  <Table.Td>{value}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Stack>
      </Card>
    </Stack>
  );
}
