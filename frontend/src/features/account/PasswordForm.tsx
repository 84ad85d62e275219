import { Button, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { changePasswordApiV1UsersMePasswordPostMutation, listSessionsApiV1UsersMeSessionsGetQueryKey } from '../../client/@tanstack/react-query.gen';
import { FormAlert } from '../../components/FormAlert';
import { useProblemForm } from '../../hooks/useProblemForm';
import { required, validPassword } from '../auth/validation';

export function PasswordForm() {
  const { t } = useTranslation('account');
  const queryClient = useQueryClient();
  const [formError, setFormError] = useState<string | null>(null);
  const form = useForm({
    mode: 'uncontrolled',
    initialValues: { current_password: '', new_password: '' },
    validate: { current_password: (value) => required(value, t), new_password: (value) => validPassword(value, t) },
  });
  const showProblem = useProblemForm(form);
  const change = useMutation(changePasswordApiV1UsersMePasswordPostMutation());

  const submit = form.onSubmit((values) => {
    setFormError(null);
    change.mutate(
      { body: values },
      {
        onSuccess: () => {
          form.reset();
          notifications.show({ color: 'teal', message: t('password.done') });
          void queryClient.invalidateQueries({ queryKey: listSessionsApiV1UsersMeSessionsGetQueryKey() });
        },
        onError: (error) => setFormError(showProblem(error)),
      },
    );
  });

  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="password-title">
      <form onSubmit={submit} noValidate>
        <Stack>
          <Title order={2} size="h4" id="password-title">
            {t('password.title')}
          </Title>
          <Text size="sm" c="dimmed">
            {t('password.hint')}
          </Text>
          <FormAlert message={formError} />
          <PasswordInput label={t('password.current')} autoComplete="current-password" required {...form.getInputProps('current_password')} key={form.key('current_password')} />
          <PasswordInput
            label={t('password.new')}
            description={t('auth:fields.passwordHint')}
            autoComplete="new-password"
            required
            {...form.getInputProps('new_password')}
            key={form.key('new_password')}
          />
          <Button type="submit" loading={change.isPending} style={{ alignSelf: 'flex-start' }}>
            {t('password.submit')}
          </Button>
        </Stack>
      </form>
    </Paper>
  );
}
