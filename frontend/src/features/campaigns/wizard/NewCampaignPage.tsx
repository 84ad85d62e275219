import { Button, Paper, Stack, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { createCampaignApiV1CampaignsPostMutation } from '../../../client/@tanstack/react-query.gen';
import { FormAlert } from '../../../components/FormAlert';
import { useProblemForm } from '../../../hooks/useProblemForm';

/** The first step of the wizard: a title makes the draft that the other steps fill in. */
export default function NewCampaignPage() {
  const { t } = useTranslation('campaigns');
  const navigate = useNavigate();
  const [formError, setFormError] = useState<string | null>(null);
  const form = useForm({
    mode: 'uncontrolled',
    initialValues: { title: '' },
    validate: { title: (value) => (value.trim() ? null : t('common:errors.required')) },
  });
  const showProblem = useProblemForm(form);
  const create = useMutation(createCampaignApiV1CampaignsPostMutation());
  const starter = t('wizard.defaultMessage', { greeting: `{{name|${t('wizard.greetingFallback')}}}` });

  const submit = form.onSubmit(({ title }) => {
    setFormError(null);
    create.mutate(
      { body: { title: title.trim(), message: starter } },
      {
        onSuccess: (campaign) => void navigate(`/campaigns/${campaign.id}/edit`),
        onError: (error) => setFormError(showProblem(error)),
      },
    );
  });

  return (
    <Stack maw={560}>
      <Title order={1} size="h2">
        {t('wizard.newTitle')}
      </Title>
      <Paper withBorder p="md" radius="md">
        <form onSubmit={submit} noValidate>
          <Stack>
            <FormAlert message={formError} />
            <TextInput label={t('wizard.titleLabel')} description={t('wizard.titleHint')} required {...form.getInputProps('title')} key={form.key('title')} />
            <Button type="submit" loading={create.isPending} style={{ alignSelf: 'flex-start' }}>
              {t('wizard.create')}
            </Button>
          </Stack>
        </form>
      </Paper>
    </Stack>
  );
}
