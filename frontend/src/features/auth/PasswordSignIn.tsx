import { Anchor, Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { loginApiV1AuthLoginPostMutation } from '../../client/@tanstack/react-query.gen';
import { FormAlert } from '../../components/FormAlert';
import { useProblemForm } from '../../hooks/useProblemForm';
import { useSignedIn } from './useSignedIn';
import { latinDigits, required } from './validation';

export function PasswordSignIn() {
  const { t } = useTranslation('auth');
  const signedIn = useSignedIn();
  const [formError, setFormError] = useState<string | null>(null);
  const form = useForm({
    mode: 'uncontrolled',
    initialValues: { login: '', password: '' },
    validate: { login: (value) => required(value, t), password: (value) => required(value, t) },
  });
  const showProblem = useProblemForm(form);
  const login = useMutation(loginApiV1AuthLoginPostMutation());

  const submit = form.onSubmit((values) => {
    setFormError(null);
    login.mutate(
      { body: { login: latinDigits(values.login.trim()), password: values.password, use_cookies: true } },
      { onSuccess: () => void signedIn(), onError: (error) => setFormError(showProblem(error)) },
    );
  });

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <FormAlert message={formError} />
        <TextInput label={t('fields.login')} autoComplete="username" dir="ltr" required {...form.getInputProps('login')} key={form.key('login')} />
        <PasswordInput label={t('fields.password')} autoComplete="current-password" required {...form.getInputProps('password')} key={form.key('password')} />
        <Anchor component={Link} to="/forgot-password" size="sm">
          {t('signIn.forgot')}
        </Anchor>
        <Button type="submit" loading={login.isPending}>
          {t('signIn.submit')}
        </Button>
      </Stack>
    </form>
  );
}
