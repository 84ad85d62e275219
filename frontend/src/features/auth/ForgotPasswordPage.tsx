import { Alert, Anchor, Button, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { verifyCodeApiV1AuthOtpVerifyPostMutation } from '../../client/@tanstack/react-query.gen';
import { FormAlert } from '../../components/FormAlert';
import { useProblemForm } from '../../hooks/useProblemForm';
import { CodeInput } from './CodeInput';
import { useCodeRequest } from './useCodeRequest';
import { latinDigits, required, validCode, validPassword } from './validation';

export default function ForgotPasswordPage() {
  const { t } = useTranslation('auth');
  const navigate = useNavigate();
  const [formError, setFormError] = useState<string | null>(null);
  const codeRequest = useCodeRequest('PASSWORD_RESET');
  const form = useForm({
    initialValues: { login: '', code: '', new_password: '' },
    validate: {
      login: (value) => required(value, t),
      code: (value) => (codeRequest.sentTo ? validCode(value, t) : null),
      new_password: (value) => (codeRequest.sentTo ? validPassword(value, t) : null),
    },
  });
  const showProblem = useProblemForm(form);
  const reset = useMutation(verifyCodeApiV1AuthOtpVerifyPostMutation());
  const onError = (error: unknown) => setFormError(showProblem(error));

  const submit = form.onSubmit(({ login, code, new_password }) => {
    setFormError(null);
    if (!codeRequest.sentTo) {
      codeRequest.request(login, onError);
      return;
    }
    reset.mutate(
      { body: { purpose: 'PASSWORD_RESET', login: codeRequest.sentTo, code: latinDigits(code), new_password } },
      {
        onSuccess: () => {
          notifications.show({ color: 'teal', message: t('forgot.done') });
          void navigate('/sign-in', { replace: true });
        },
        onError,
      },
    );
  });

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <Title order={1} size="h3">
          {t('forgot.title')}
        </Title>
        <Text size="sm">{t('forgot.intro')}</Text>
        <FormAlert message={formError} />
        <TextInput
          label={t('fields.phoneOrEmail')}
          autoComplete="username"
          dir="ltr"
          required
          readOnly={codeRequest.sentTo !== null}
          {...form.getInputProps('login')}
        />
        {codeRequest.sentTo ? (
          <>
            <Alert color="teal">{t('forgot.codeSent')}</Alert>
            <CodeInput {...form.getInputProps('code')} />
            <PasswordInput
              label={t('fields.newPassword')}
              description={t('fields.passwordHint')}
              autoComplete="new-password"
              required
              {...form.getInputProps('new_password')}
            />
            <Button type="submit" loading={reset.isPending}>
              {t('forgot.submit')}
            </Button>
          </>
        ) : (
          <Button type="submit" loading={codeRequest.isPending}>
            {t('forgot.sendCode')}
          </Button>
        )}
        <Anchor component={Link} to="/sign-in" size="sm" ta="center">
          {t('forgot.back')}
        </Anchor>
      </Stack>
    </form>
  );
}
