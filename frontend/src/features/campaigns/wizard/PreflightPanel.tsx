import { Badge, Group, List, Paper, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { Finding, RiskLevel, Severity } from '../../../client';
import { preflightApiV1CampaignsCampaignIdPreflightGetOptions } from '../../../client/@tanstack/react-query.gen';
import { QueryError } from '../../../components/QueryError';
import { formatNumber } from '../../../i18n/format';

const LEVEL_COLORS: Record<RiskLevel, string> = { low: 'teal', medium: 'yellow', high: 'red' };
const SEVERITY_COLORS: Record<Severity, string> = { info: 'blue', warning: 'yellow', danger: 'red' };

function FindingItem({ finding }: { finding: Finding }) {
  const { t } = useTranslation('campaigns');
  return (
    <List.Item icon={<Badge size="xs" variant="dot" color={SEVERITY_COLORS[finding.severity]} aria-hidden />}>
      <Text size="sm">{finding.found}</Text>
      <Text size="sm" c="dimmed">
        {t('preflight.change')} {finding.change}
      </Text>
    </List.Item>
  );
}

/** The API's scoring of the campaign's ban risk before it starts, with what to change. */
export function PreflightPanel({ campaignId }: { campaignId: number }) {
  const { t, i18n } = useTranslation('campaigns');
  // Read afresh each time the review opens: the other steps change what it scores.
  const preflight = useQuery({ ...preflightApiV1CampaignsCampaignIdPreflightGetOptions({ path: { campaign_id: campaignId } }), staleTime: 0 });
  if (preflight.isPending) return null;
  if (preflight.isError) return <QueryError error={preflight.error} onRetry={() => void preflight.refetch()} />;
  const { level, score, findings, days_needed: days } = preflight.data;
  return (
    <Paper withBorder p="md" radius="md">
      <Stack gap="xs">
        <Group gap="sm">
          <Title order={3} size="h5">
            {t('preflight.title')}
          </Title>
          <Badge variant="dot" color={LEVEL_COLORS[level]}>
            {t(`preflight.level.${level}`)}
          </Badge>
          <Text size="xs" c="dimmed">
            {t('preflight.score', { score: formatNumber(score, i18n.language) })}
          </Text>
        </Group>
        {days !== null && days > 1 && <Text size="sm">{t('preflight.days', { days: formatNumber(days, i18n.language) })}</Text>}
        {findings.length === 0 ? (
          <Text size="sm">{t('preflight.allGood')}</Text>
        ) : (
          <List spacing="xs">
            {findings.map((finding) => (
              <FindingItem key={finding.code} finding={finding} />
            ))}
          </List>
        )}
      </Stack>
    </Paper>
  );
}
