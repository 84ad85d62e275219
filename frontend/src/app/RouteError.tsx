import { Alert, Button, Container, Stack } from '@mantine/core';
import { useTranslation } from 'react-i18next';

/** A screen that failed to load or crashed (often: a new version was deployed meanwhile). */
export function RouteError() {
  const { t } = useTranslation();
  return (
    <Container size="sm" py="xl">
      <Alert color="red" title={t('routeError.title')} role="alert">
        <Stack align="flex-start">
          {t('routeError.hint')}
          <Button variant="default" onClick={() => window.location.reload()}>
            {t('routeError.reload')}
          </Button>
        </Stack>
      </Alert>
    </Container>
  );
}
