import { Container, Group, Paper, Stack, Text } from '@mantine/core';
import { Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { Outlet } from 'react-router';
import { PageLoader } from '../components/PageLoader';
import { LanguageSwitch } from './shell/LanguageSwitch';

/** The frame of the screens before signing in: a card in the middle, the language at the top. */
export function PublicLayout() {
  const { t } = useTranslation();
  return (
    <Container size={460} py="xl" component="main">
      <Stack gap="lg">
        <Group justify="space-between">
          <Text fw={800} size="xl" c="teal.9">
            {t('appName')}
          </Text>
          <LanguageSwitch />
        </Group>
        <Paper withBorder shadow="sm" p="lg" radius="md">
          <Suspense fallback={<PageLoader />}>
            <Outlet />
          </Suspense>
        </Paper>
      </Stack>
    </Container>
  );
}
