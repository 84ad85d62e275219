import { Alert, Button, Stack } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { describeError } from '../../../api/describeError';
import { ApiError } from '../../../api/problem';

const QUOTA_REASONS = ['NO_SUBSCRIPTION', 'SUBSCRIPTION_EXPIRED', 'QUOTA_EXHAUSTED'] as const;

interface Refusal {
  message: string;
  fix: { label: string; to?: string; step?: number } | null;
}

/** The API's reason for refusing to start, in the reader's language, and what to do about it. */
function useRefusal(error: unknown): Refusal {
  const { t } = useTranslation('campaigns');
  if (error instanceof ApiError && error.status === 402) {
    const reason = QUOTA_REASONS.find((known) => error.problem?.errors?.some((item) => item.reason === known));
    return { message: reason ? t(`refusal.${reason}`) : error.summary, fix: { label: t('review.fixQuota'), to: '/billing' } };
  }
  if (error instanceof ApiError && error.status === 409) {
    const fields = error.fieldErrors;
    if (fields.sender_ids) return { message: t('refusal.sender_ids'), fix: { label: t('review.fixNumbers'), step: 2 } };
    if (fields.recipients) return { message: t('refusal.recipients'), fix: { label: t('review.fixRecipients'), step: 0 } };
  }
  return { message: describeError(error, t), fix: null };
}

export function StartRefusal({ error, onStep }: { error: unknown; onStep: (step: number) => void }) {
  const { t } = useTranslation('campaigns');
  const { message, fix } = useRefusal(error);
  return (
    <Alert color="red" title={t('review.refused')} role="alert">
      <Stack gap="xs" align="flex-start">
        {message}
        {fix?.to && (
          <Button component={Link} to={fix.to} size="xs" color="red">
            {fix.label}
          </Button>
        )}
        {fix?.step !== undefined && (
          <Button size="xs" color="red" onClick={() => onStep(fix.step ?? 0)}>
            {fix.label}
          </Button>
        )}
      </Stack>
    </Alert>
  );
}
