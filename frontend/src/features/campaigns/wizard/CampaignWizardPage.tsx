import { Alert, Anchor, Button, Group, Stack, Stepper, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router';
import type { Campaign } from '../../../client';
import { readCampaignApiV1CampaignsCampaignIdGetOptions } from '../../../client/@tanstack/react-query.gen';
import { PageLoader } from '../../../components/PageLoader';
import { QueryError } from '../../../components/QueryError';
import { RecipientsImporter } from '../../imports/RecipientsImporter';
import { MessageStep } from './MessageStep';
import { ReviewStep } from './ReviewStep';
import { SendingStep } from './SendingStep';

const STEPS = ['recipients', 'message', 'sending', 'review'] as const;

function Wizard({ campaign }: { campaign: Campaign }) {
  const { t } = useTranslation('campaigns');
  const [params, setParams] = useSearchParams();
  const step = Math.min(STEPS.length - 1, Math.max(0, Number(params.get('step') ?? 0) || 0));
  const go = (next: number) => setParams({ step: String(next) });
  const phone = useMediaQuery('(max-width: 36em)');
  return (
    <Stack>
      <Stepper active={step} onStepClick={go} size="sm">
        {STEPS.map((name, index) => (
          // On a phone only the current step is named beside its number; the others by their label for screen readers.
          <Stepper.Step key={name} label={!phone || index === step ? t(`wizard.steps.${name}`) : undefined} aria-label={t(`wizard.steps.${name}`)} />
        ))}
      </Stepper>
      {step === 0 && <RecipientsImporter campaignId={campaign.id} total={campaign.counts.total} />}
      {step === 1 && <MessageStep campaign={campaign} />}
      {step === 2 && <SendingStep campaign={campaign} />}
      {step === 3 && <ReviewStep campaign={campaign} onStep={go} />}
      <Group justify="space-between">
        {step > 0 ? (
          <Button variant="default" onClick={() => go(step - 1)}>
            {t('wizard.back')}
          </Button>
        ) : (
          <span />
        )}
        {step < STEPS.length - 1 && <Button onClick={() => go(step + 1)}>{t('wizard.next')}</Button>}
      </Group>
    </Stack>
  );
}

/** A draft, prepared step by step: recipients, message, numbers and pace, then review and start. */
export default function CampaignWizardPage() {
  const { t } = useTranslation('campaigns');
  const campaignId = Number(useParams().campaignId);
  const query = useQuery(readCampaignApiV1CampaignsCampaignIdGetOptions({ path: { campaign_id: campaignId } }));
  if (query.isPending) return <PageLoader />;
  if (query.isError) return <QueryError error={query.error} onRetry={() => void query.refetch()} />;
  const campaign = query.data;
  return (
    <Stack>
      <Title order={1} size="h2">
        {campaign.title ?? t('wizard.editTitle')}
      </Title>
      {campaign.status === 'DRAFT' ? (
        <Wizard campaign={campaign} />
      ) : (
        <Alert color="blue">
          {t('wizard.notDraft')}{' '}
          <Anchor component={Link} to={`/campaigns/${campaign.id}`}>
            {t('wizard.open')}
          </Anchor>
        </Alert>
      )}
    </Stack>
  );
}
