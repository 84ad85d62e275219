import { Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { mySecurityEventsApiV1UsersMeSecurityEventsGetOptions } from '../../client/@tanstack/react-query.gen';
import { PageLoader } from '../../components/PageLoader';
import { QueryError } from '../../components/QueryError';
import { formatDateTime } from '../../i18n/format';
import { useActionLabel } from '../audit/useActionLabel';

const RECENT = 20;

/** What happened to the account's access lately (sign-ins, failures, password changes…), newest first. */
export function SecurityEvents() {
  const { t, i18n } = useTranslation('account');
  const actionLabel = useActionLabel();
  const events = useQuery(mySecurityEventsApiV1UsersMeSecurityEventsGetOptions({ query: { page_size: RECENT } }));
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="security-title">
      <Stack>
        <Title order={2} size="h4" id="security-title">
          {t('security.title')}
        </Title>
        <Text size="sm" c="dimmed">
          {t('security.hint')}
        </Text>
        {events.isPending && <PageLoader />}
        {events.isError && <QueryError error={events.error} onRetry={() => void events.refetch()} />}
        {events.data?.items.length === 0 && <Text size="sm">{t('security.none')}</Text>}
        <Stack component="ul" gap="sm" p={0} m={0} style={{ listStyle: 'none' }}>
          {events.data?.items.map((event) => (
            <li key={event.id}>
              <Group justify="space-between" wrap="nowrap" gap="xs">
                <Text fw={600} size="sm">
                  {actionLabel(event.action)}
                </Text>
                <Text size="sm" c="dimmed">
                  {formatDateTime(event.created_at, i18n.language)}
                </Text>
              </Group>
              {event.ip_address && (
                <Text size="xs" c="dimmed">
                  {t('devices.from', { address: event.ip_address })}
                </Text>
              )}
            </li>
          ))}
        </Stack>
      </Stack>
    </Paper>
  );
}
