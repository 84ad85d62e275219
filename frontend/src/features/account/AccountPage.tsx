import { SimpleGrid, Stack, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { PageLoader } from '../../components/PageLoader';
import { useCurrentUser } from '../../hooks/useCurrentUser';
import { DeviceList } from './DeviceList';
import { PasswordForm } from './PasswordForm';
import { ProfileForm } from './ProfileForm';
import { SecurityEvents } from './SecurityEvents';

export default function AccountPage() {
  const { t } = useTranslation('account');
  const me = useCurrentUser();
  return (
    <Stack>
      <Title order={1} size="h2">
        {t('title')}
      </Title>
      {me.data ? (
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <ProfileForm user={me.data} />
          <Stack>
            <PasswordForm />
            <DeviceList />
            <SecurityEvents />
          </Stack>
        </SimpleGrid>
      ) : (
        <PageLoader />
      )}
    </Stack>
  );
}
