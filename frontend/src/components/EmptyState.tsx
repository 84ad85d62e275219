import { Paper, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';

/** Nothing here yet: says so, and offers the next step. */
export function EmptyState({ title, hint, action }: { title: string; hint: string; action?: ReactNode }) {
  return (
    <Paper withBorder p="xl" radius="md">
      <Stack align="center" gap="xs" ta="center">
        <Text fw={600}>{title}</Text>
        <Text c="dimmed" size="sm">
          {hint}
        </Text>
        {action}
      </Stack>
    </Paper>
  );
}
