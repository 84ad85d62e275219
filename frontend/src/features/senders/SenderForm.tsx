import { Button, Group, NumberInput, SegmentedControl, Stack, Switch, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { FormAlert } from '../../components/FormAlert';
import { useProblemForm } from '../../hooks/useProblemForm';
import { MAX_TYPING_SECONDS, senderValidation, type SenderFormValues } from './senderForm';

interface Props {
  initialValues: SenderFormValues;
  /** Shown only when linking: a linked number keeps its phone. */
  withPhone: boolean;
  submitLabel: string;
  pending: boolean;
  onSubmit: (values: SenderFormValues, onError: (error: unknown) => void) => void;
}

/** A number's name and the limits that keep it safe; used to link one and to change one. */
export function SenderForm({ initialValues, withPhone, submitLabel, pending, onSubmit }: Props) {
  const { t } = useTranslation('senders');
  const [formError, setFormError] = useState<string | null>(null);
  const form = useForm<SenderFormValues>({ initialValues, validate: senderValidation(t) });
  const showProblem = useProblemForm(form);
  const { quiet, pause, provider } = form.getValues();

  const submit = form.onSubmit((values) => {
    setFormError(null);
    onSubmit(values, (error) => setFormError(showProblem(error)));
  });

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <FormAlert message={formError} />
        <TextInput label={t('form.displayName')} description={t('form.displayNameHint')} required {...form.getInputProps('display_name')} />
        {withPhone && (
          <Stack gap={4}>
            <Text size="sm" fw={500}>
              {t('form.provider')}
            </Text>
            <SegmentedControl
              aria-label={t('form.provider')}
              data={[
                { value: 'sandbox', label: t('form.providerSandbox') },
                { value: 'web', label: t('form.providerWeb') },
              ]}
              {...form.getInputProps('provider')}
            />
            <Text size="sm" c="dimmed">
              {provider === 'web' ? t('form.web') : t('form.sandbox')}
            </Text>
          </Stack>
        )}
        {withPhone && provider === 'sandbox' && (
          <TextInput label={t('form.phone')} type="tel" dir="ltr" {...form.getInputProps('phone')} />
        )}
        <NumberInput label={t('form.dailyCap')} min={1} max={100_000} allowDecimal={false} required {...form.getInputProps('daily_cap')} />
        <Switch label={t('form.quietHours')} description={t('form.quietHoursHint')} {...form.getInputProps('quiet', { type: 'checkbox' })} />
        {quiet && (
          <Group grow>
            <TextInput type="time" label={t('form.quietStart')} dir="ltr" {...form.getInputProps('quiet_start')} />
            <TextInput type="time" label={t('form.quietEnd')} dir="ltr" {...form.getInputProps('quiet_end')} />
          </Group>
        )}
        <Switch label={t('form.pause')} {...form.getInputProps('pause', { type: 'checkbox' })} />
        {pause && (
          <Group grow>
            <NumberInput label={t('form.pauseEvery')} min={1} max={100_000} allowDecimal={false} {...form.getInputProps('pause_every')} />
            <NumberInput label={t('form.pauseSeconds')} min={1} max={86_400} allowDecimal={false} {...form.getInputProps('pause_seconds')} />
          </Group>
        )}
        {provider === 'web' && (
          <NumberInput
            label={t('form.typingSeconds')}
            description={t('form.typingSecondsHint', { max: MAX_TYPING_SECONDS })}
            placeholder={t('form.typingSecondsDefault')}
            min={0}
            max={MAX_TYPING_SECONDS}
            step={0.5}
            decimalScale={1}
            {...form.getInputProps('typing_seconds')}
          />
        )}
        <Button type="submit" loading={pending}>
          {submitLabel}
        </Button>
      </Stack>
    </form>
  );
}
