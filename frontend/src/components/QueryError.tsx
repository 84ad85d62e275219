import { Alert, Button, Stack } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { describeError } from '../api/describeError';

/** A section that failed to load: why, and a button to try again. */
export function QueryError({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  const { t } = useTranslation();
  return (
    <Alert color="red" title={t('errors.loadFailed')} role="alert">
      <Stack gap="xs" align="flex-start">
        {describeError(error, t)}
        <Button variant="default" size="xs" onClick={onRetry}>
          {t('retry')}
        </Button>
      </Stack>
    </Alert>
  );
}
