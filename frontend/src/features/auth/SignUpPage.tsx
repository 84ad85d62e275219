import { Button, PasswordInput, Stack, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { registerApiV1AuthRegisterPostMutation } from '../../client/@tanstack/react-query.gen';
import { FormAlert } from '../../components/FormAlert';
import { useProblemForm } from '../../hooks/useProblemForm';
import { AuthFooterLink } from './AuthFooterLink';
import type { VerifyState } from './VerifyPage';
import { latinDigits, required, validEmail, validPassword, validPhone, validUsername } from './validation';

export default function SignUpPage() {
  const { t } = useTranslation('auth');
  const navigate = useNavigate();
  const [formError, setFormError] = useState<string | null>(null);
  const form = useForm({
    mode: 'uncontrolled',
    initialValues: { name: '', username: '', email: '', phone: '', password: '' },
    validate: {
      name: (value) => required(value, t),
      username: (value) => validUsername(value, t),
      email: (value) => validEmail(value, t),
      phone: (value) => validPhone(value, t),
      password: (value) => validPassword(value, t),
    },
  });
  const showProblem = useProblemForm(form);
  const register = useMutation(registerApiV1AuthRegisterPostMutation());

  const submit = form.onSubmit((values) => {
    setFormError(null);
    const body = { ...values, email: values.email.trim(), phone: latinDigits(values.phone) };
    register.mutate(
      { body },
      {
        onSuccess: () => {
          const state: VerifyState = { login: body.phone, password: values.password };
          void navigate('/verify', { state });
        },
        onError: (error) => setFormError(showProblem(error)),
      },
    );
  });

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <Title order={1} size="h3">
          {t('signUp.title')}
        </Title>
        <FormAlert message={formError} />
        <TextInput label={t('fields.name')} autoComplete="name" required {...form.getInputProps('name')} key={form.key('name')} />
        <TextInput
          label={t('fields.username')}
          description={t('fields.usernameHint')}
          autoComplete="username"
          dir="ltr"
          required
          {...form.getInputProps('username')}
          key={form.key('username')}
        />
        <TextInput label={t('fields.email')} type="email" autoComplete="email" dir="ltr" required {...form.getInputProps('email')} key={form.key('email')} />
        <TextInput
          label={t('fields.phone')}
          description={t('fields.phoneHint')}
          type="tel"
          autoComplete="tel"
          dir="ltr"
          required
          {...form.getInputProps('phone')}
          key={form.key('phone')}
        />
        <PasswordInput
          label={t('fields.password')}
          description={t('fields.passwordHint')}
          autoComplete="new-password"
          required
          {...form.getInputProps('password')}
          key={form.key('password')}
        />
        <Button type="submit" loading={register.isPending}>
          {t('signUp.submit')}
        </Button>
        <AuthFooterLink question={t('signUp.haveAccount')} link={t('signUp.signIn')} to="/sign-in" />
      </Stack>
    </form>
  );
}
