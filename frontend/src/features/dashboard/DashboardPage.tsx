import { Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useCurrentUser } from '../../hooks/useCurrentUser';

export default function DashboardPage() {
  const { t } = useTranslation('dashboard');
  const me = useCurrentUser();
  return (
    <Stack>
      <Title order={1} size="h2">
        {t('title')}
      </Title>
      <Text>{t('welcome', { name: me.data?.name ?? '' })}</Text>
    </Stack>
  );
}
