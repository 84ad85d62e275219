import { Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { EmptyState } from '../../components/EmptyState';
import { PageLoader } from '../../components/PageLoader';
import { QueryError } from '../../components/QueryError';
import { LinkSenderButton } from './LinkSenderButton';
import { SenderCard } from './SenderCard';
import { useSenders } from './useSenders';

export default function SendersPage() {
  const { t } = useTranslation('senders');
  const senders = useSenders();
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">
          {t('title')}
        </Title>
        <LinkSenderButton />
      </Group>
      <Text c="dimmed">{t('intro')}</Text>
      {senders.isPending && <PageLoader />}
      {senders.isError && <QueryError error={senders.error} onRetry={() => void senders.refetch()} />}
      {senders.data?.length === 0 && <EmptyState title={t('empty.title')} hint={t('empty.hint')} action={<LinkSenderButton />} />}
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
        {senders.data?.map((sender) => <SenderCard key={sender.id} sender={sender} />)}
      </SimpleGrid>
    </Stack>
  );
}
