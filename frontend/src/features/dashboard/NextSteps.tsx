import { Anchor, List, Paper, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { IconCheck, IconPoint } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';

interface Props {
  subscribed: boolean;
  hasNumber: boolean;
  hasCampaign: boolean;
}

/** For a newcomer: what is left to do before the first campaign, each a link to it. */
export function NextSteps({ subscribed, hasNumber, hasCampaign }: Props) {
  const { t } = useTranslation('dashboard');
  if (subscribed && hasNumber && hasCampaign) return null;
  const steps = [
    { done: subscribed, to: '/billing', label: t('nextSteps.buy'), hint: t('nextSteps.buyHint') },
    { done: hasNumber, to: '/numbers', label: t('nextSteps.link'), hint: t('nextSteps.linkHint') },
    { done: hasCampaign, to: '/campaigns/new', label: t('nextSteps.campaign'), hint: t('nextSteps.campaignHint') },
  ];
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="next-steps-title">
      <Stack gap="sm">
        <Title order={2} size="h4" id="next-steps-title">
          {t('nextSteps.title')}
        </Title>
        <List spacing="sm" center>
          {steps.map((step) => (
            <List.Item
              key={step.to}
              icon={
                <ThemeIcon size={24} radius="xl" color={step.done ? 'teal.9' : 'gray.7'}>
                  {step.done ? <IconCheck size={16} aria-hidden /> : <IconPoint size={16} aria-hidden />}
                </ThemeIcon>
              }
            >
              <Anchor component={Link} to={step.to} td={step.done ? 'line-through' : undefined}>
                {step.label}
              </Anchor>
              <Text size="sm" c="dimmed">
                {step.hint}
              </Text>
            </List.Item>
          ))}
        </List>
      </Stack>
    </Paper>
  );
}
