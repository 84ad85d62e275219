import { Alert, Anchor, Group, Paper, Progress, Stack, Text } from '@mantine/core';
import { IconDownload } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { ImportView } from '../../client';
import { getImportApiV1ImportsImportIdGetOptions } from '../../client/@tanstack/react-query.gen';
import { formatNumber } from '../../i18n/format';

const POLL_MS = 700;

export function isRunning(view: ImportView): boolean {
  return view.status !== 'COMPLETED' && view.status !== 'FAILED';
}

function Counter({ label, value, color }: { label: string; value: number; color?: string }) {
  const { i18n } = useTranslation();
  return (
    <Text size="sm" c={color}>
      {label}: <b>{formatNumber(value, i18n.language)}</b>
    </Text>
  );
}

/** One import: its progress while it runs (read again every moment), then what came of it;
 * `onFinished` once it is seen finished. */
export function ImportProgress({ initial, onFinished }: { initial: ImportView; onFinished?: () => void }) {
  const { t, i18n } = useTranslation('imports');
  const query = useQuery({
    ...getImportApiV1ImportsImportIdGetOptions({ path: { import_id: initial.id } }),
    initialData: initial,
    refetchInterval: (current) => (current.state.data && isRunning(current.state.data) ? POLL_MS : false),
  });
  const view = query.data;
  const running = isRunning(view);
  const told = useRef(false);
  useEffect(() => {
    if (running || told.current) return;
    told.current = true;
    onFinished?.();
  }, [running, onFinished]);
  return (
    <Paper withBorder p="md" radius="md">
      <Stack gap="xs">
        <Text fw={600}>{t('progress.title', { file: view.filename })}</Text>
        <Progress
          value={running ? Math.max(5, view.progress * 100) : 100}
          animated={running}
          color={view.status === 'FAILED' ? 'red' : 'teal'}
          aria-label={running ? t('progress.running') : t('progress.completed')}
        />
        <Text size="sm" c="dimmed" role="status" aria-live="polite">
          {running
            ? t('progress.counters', { read: formatNumber(view.rows_read, i18n.language), total: formatNumber(view.rows_total, i18n.language) })
            : view.status === 'COMPLETED'
              ? t('progress.completed')
              : ''}
        </Text>
        <Group gap="lg">
          <Counter label={t('progress.imported')} value={view.imported} />
          <Counter label={t('progress.duplicates')} value={view.duplicates} />
          <Counter label={t('progress.rejected')} value={view.rejected} color={view.rejected > 0 ? 'red.9' : undefined} />
        </Group>
        {view.status === 'FAILED' && (
          <Alert color="red" role="alert">
            {t('progress.failed', { error: view.error ?? '' })}
          </Alert>
        )}
        {!running && view.rejected > 0 && (
          <Anchor href={`/api/v1/imports/${view.id}/rejected.csv`} download size="sm">
            <IconDownload size={14} aria-hidden /> {t('progress.rejectedDownload')}
          </Anchor>
        )}
      </Stack>
    </Paper>
  );
}
