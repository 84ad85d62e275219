import { Badge, Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { describeError } from '../../api/describeError';
import type { Session } from '../../client';
import {
  listSessionsApiV1UsersMeSessionsGetOptions,
  listSessionsApiV1UsersMeSessionsGetQueryKey,
  revokeSessionApiV1UsersMeSessionsSessionIdDeleteMutation,
} from '../../client/@tanstack/react-query.gen';
import { FormAlert } from '../../components/FormAlert';
import { PageLoader } from '../../components/PageLoader';
import { QueryError } from '../../components/QueryError';
import { formatDateTime } from '../../i18n/format';

function DeviceRow({ session, onSignOut, pending }: { session: Session; onSignOut: () => void; pending: boolean }) {
  const { t, i18n } = useTranslation('account');
  const device = session.device ?? t('devices.unknown');
  return (
    <Group justify="space-between" wrap="nowrap" component="li" aria-label={device}>
      <Stack gap={0}>
        <Group gap="xs">
          <Text fw={600}>{device}</Text>
          {session.current && (
            <Badge color="teal.9" variant="filled">
              {t('devices.current')}
            </Badge>
          )}
        </Group>
        <Text size="sm" c="dimmed">
          {t('devices.lastUsed', { time: formatDateTime(session.last_used_at, i18n.language) })}
          {session.ip_address && ` · ${t('devices.from', { address: session.ip_address })}`}
        </Text>
      </Stack>
      {!session.current && (
        <Button variant="default" size="xs" loading={pending} onClick={onSignOut} aria-label={t('devices.signOutLabel', { device })}>
          {t('devices.signOut')}
        </Button>
      )}
    </Group>
  );
}

/** Where the account is signed in, most recently used first; any other one can be signed out. */
export function DeviceList() {
  const { t } = useTranslation('account');
  const queryClient = useQueryClient();
  const sessions = useQuery(listSessionsApiV1UsersMeSessionsGetOptions());
  const revoke = useMutation({
    ...revokeSessionApiV1UsersMeSessionsSessionIdDeleteMutation(),
    onSuccess: () => {
      notifications.show({ color: 'teal', message: t('devices.signedOut') });
      return queryClient.invalidateQueries({ queryKey: listSessionsApiV1UsersMeSessionsGetQueryKey() });
    },
  });
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="devices-title">
      <Stack>
        <Title order={2} size="h4" id="devices-title">
          {t('devices.title')}
        </Title>
        <Text size="sm" c="dimmed">
          {t('devices.hint')}
        </Text>
        <FormAlert message={revoke.isError ? describeError(revoke.error, t) : null} />
        {sessions.isPending && <PageLoader />}
        {sessions.isError && <QueryError error={sessions.error} onRetry={() => void sessions.refetch()} />}
        <Stack component="ul" gap="md" p={0} m={0} style={{ listStyle: 'none' }}>
          {sessions.data?.map((session) => (
            <DeviceRow
              key={session.id}
              session={session}
              pending={revoke.isPending && revoke.variables.path.session_id === session.id}
              onSignOut={() => revoke.mutate({ path: { session_id: session.id } })}
            />
          ))}
        </Stack>
      </Stack>
    </Paper>
  );
}
