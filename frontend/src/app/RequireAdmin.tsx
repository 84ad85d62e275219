import { Button, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link, Outlet } from 'react-router';
import { PageLoader } from '../components/PageLoader';
import { useCurrentUser } from '../hooks/useCurrentUser';
import { isAdmin } from './navigation';

/** Screens behind it are for ADMIN and SUPER_ADMIN; anyone else is told so. */
export function RequireAdmin() {
  const { t } = useTranslation();
  const me = useCurrentUser();
  if (me.data === undefined) return <PageLoader />;
  if (isAdmin(me.data.role)) return <Outlet />;
  return (
    <Stack align="flex-start">
      <Title order={1} size="h3">
        {t('adminOnly.title')}
      </Title>
      <Text>{t('adminOnly.hint')}</Text>
      <Button component={Link} to="/">
        {t('notFound.back')}
      </Button>
    </Stack>
  );
}
