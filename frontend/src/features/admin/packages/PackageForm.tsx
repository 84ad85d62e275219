import { Button, NumberInput, SimpleGrid, Stack, Switch, TextInput, Textarea } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { FormAlert } from '../../../components/FormAlert';
import { useProblemForm } from '../../../hooks/useProblemForm';
import { packageValidation, type PackageFormValues } from './packageForm';

interface Props {
  initialValues: PackageFormValues;
  /** The currency's name, for the price's label (empty while unknown). */
  currency: string;
  submitLabel: string;
  pending: boolean;
  onSubmit: (values: PackageFormValues, onError: (error: unknown) => void) => void;
}

/** A package's title, words, price, duration, message limit and whether it is on sale. */
export function PackageForm({ initialValues, currency, submitLabel, pending, onSubmit }: Props) {
  const { t } = useTranslation('adminPackages');
  const [formError, setFormError] = useState<string | null>(null);
  const form = useForm<PackageFormValues>({ initialValues, validate: packageValidation(t) });
  const showProblem = useProblemForm(form);

  const submit = form.onSubmit((values) => {
    setFormError(null);
    onSubmit(values, (error) => setFormError(showProblem(error)));
  });

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <FormAlert message={formError} />
        <TextInput label={t('form.title')} required {...form.getInputProps('title')} />
        <Textarea label={t('form.description')} description={t('form.descriptionHint')} autosize minRows={2} {...form.getInputProps('description')} />
        <TextInput label={t('form.category')} {...form.getInputProps('category')} />
        <NumberInput
          label={currency ? t('form.price', { currency }) : t('table.price')}
          description={t('form.priceHint')}
          min={0}
          allowDecimal={false}
          allowNegative={false}
          thousandSeparator=","
          required
          dir="ltr"
          {...form.getInputProps('price')}
        />
        <SimpleGrid cols={{ base: 1, xs: 2 }}>
          <NumberInput label={t('form.days')} min={1} max={3650} clampBehavior="none" allowDecimal={false} required dir="ltr" {...form.getInputProps('duration_days')} />
          <NumberInput
            label={t('form.messages')}
            description={t('form.messagesHint')}
            min={0}
            max={100_000_000}
            clampBehavior="none"
            allowDecimal={false}
            thousandSeparator=","
            required
            dir="ltr"
            {...form.getInputProps('message_limit')}
          />
        </SimpleGrid>
        <Switch label={t('form.active')} {...form.getInputProps('active', { type: 'checkbox' })} />
        <Button type="submit" loading={pending}>
          {submitLabel}
        </Button>
      </Stack>
    </form>
  );
}
