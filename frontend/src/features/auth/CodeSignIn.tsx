import { Alert, Button, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { verifyCodeApiV1AuthOtpVerifyPostMutation } from '../../client/@tanstack/react-query.gen';
import { FormAlert } from '../../components/FormAlert';
import { useProblemForm } from '../../hooks/useProblemForm';
import { CodeInput } from './CodeInput';
import { useCodeRequest } from './useCodeRequest';
import { useSignedIn } from './useSignedIn';
import { latinDigits, required, validCode } from './validation';

/** Sign in without a password: a code by SMS (or e-mail, when the login is an e-mail). */
export function CodeSignIn() {
  const { t } = useTranslation('auth');
  const signedIn = useSignedIn();
  const [formError, setFormError] = useState<string | null>(null);
  const form = useForm({
    initialValues: { login: '', code: '' },
    validate: {
      login: (value) => required(value, t),
      code: (value) => (codeRequest.sentTo ? validCode(value, t) : null),
    },
  });
  const showProblem = useProblemForm(form);
  const codeRequest = useCodeRequest('LOGIN');
  const verify = useMutation(verifyCodeApiV1AuthOtpVerifyPostMutation());
  const onError = (error: unknown) => setFormError(showProblem(error));

  const submit = form.onSubmit(({ login, code }) => {
    setFormError(null);
    if (!codeRequest.sentTo) {
      codeRequest.request(login, onError);
      return;
    }
    verify.mutate(
      { body: { purpose: 'LOGIN', login: codeRequest.sentTo, code: latinDigits(code), use_cookies: true } },
      { onSuccess: () => void signedIn(), onError },
    );
  });

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <FormAlert message={formError} />
        <TextInput
          label={t('fields.login')}
          autoComplete="username"
          dir="ltr"
          required
          readOnly={codeRequest.sentTo !== null}
          {...form.getInputProps('login')}
        />
        {codeRequest.sentTo ? (
          <>
            <Alert color="teal">{t('signIn.codeSent')}</Alert>
            <CodeInput {...form.getInputProps('code')} />
            <Button type="submit" loading={verify.isPending}>
              {t('signIn.submit')}
            </Button>
          </>
        ) : (
          <Button type="submit" loading={codeRequest.isPending}>
            {t('signIn.sendCode')}
          </Button>
        )}
      </Stack>
    </form>
  );
}
