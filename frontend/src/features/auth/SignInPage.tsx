import { Stack, Tabs, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { AuthFooterLink } from './AuthFooterLink';
import { CodeSignIn } from './CodeSignIn';
import { PasswordSignIn } from './PasswordSignIn';

export default function SignInPage() {
  const { t } = useTranslation('auth');
  return (
    <Stack>
      <Title order={1} size="h3">
        {t('signIn.title')}
      </Title>
      <Tabs defaultValue="password" keepMounted={false}>
        <Tabs.List grow mb="md">
          <Tabs.Tab value="password">{t('signIn.withPassword')}</Tabs.Tab>
          <Tabs.Tab value="code">{t('signIn.withCode')}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="password">
          <PasswordSignIn />
        </Tabs.Panel>
        <Tabs.Panel value="code">
          <CodeSignIn />
        </Tabs.Panel>
      </Tabs>
      <AuthFooterLink question={t('signIn.noAccount')} link={t('signIn.signUp')} to="/sign-up" />
    </Stack>
  );
}
