import { Alert, Card, Progress, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { mySubscriptionApiV1SubscriptionsMeGetOptions } from '../../client/@tanstack/react-query.gen';
import { PageLoader } from '../../components/PageLoader';
import { QueryError } from '../../components/QueryError';
import { formatDate, formatNumber } from '../../i18n/format';

/** What the person's subscription has left: messages and days. */
export function SubscriptionCard() {
  const { t, i18n } = useTranslation('billing');
  const subscription = useQuery(mySubscriptionApiV1SubscriptionsMeGetOptions());
  const n = (value: number) => formatNumber(value, i18n.language);
  if (subscription.isPending) return <PageLoader />;
  if (subscription.isError) return <QueryError error={subscription.error} onRetry={() => void subscription.refetch()} />;
  const s = subscription.data;
  return (
    <Card withBorder radius="md" component="section" aria-labelledby="subscription-title">
      <Stack gap="xs">
        <Title order={2} size="h4" id="subscription-title">
          {t('subscription.title')}
        </Title>
        {!s.active ? (
          <Alert color="yellow">{s.expires_at ? t('subscription.expired') : t('subscription.none')}</Alert>
        ) : (
          <>
            {s.package && <Text>{t('subscription.package', { title: s.package.title })}</Text>}
            {s.expires_at && <Text>{t('subscription.until', { date: formatDate(s.expires_at, i18n.language) })}</Text>}
            <Text fw={600}>{t('subscription.left', { left: n(s.messages_left), granted: n(s.messages_granted) })}</Text>
            <Progress value={s.messages_granted ? (100 * s.messages_left) / s.messages_granted : 0} aria-hidden />
            <Text size="sm" c="dimmed">
              {t('subscription.used', { used: n(s.messages_used), reserved: n(s.messages_reserved) })}
            </Text>
          </>
        )}
      </Stack>
    </Card>
  );
}
