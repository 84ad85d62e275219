import { Box, Group, Paper, Text } from '@mantine/core';
import { IconPaperclip } from '@tabler/icons-react';
import type { ReactNode } from 'react';

/** The message as it will look on the recipient's phone: a chat bubble on a phone-shaped screen. */
export function MessageBubble({ text, attachment, footer }: { text: string; attachment: string | null; footer?: ReactNode }) {
  return (
    <Paper radius={28} p="sm" withBorder maw={340} bg="dark.7" aria-hidden={false}>
      <Box bg="#efeae2" p="md" mih={220} style={{ borderRadius: 20 }}>
        <Paper bg="#d9fdd3" c="#111b21" p="sm" radius="md" shadow="xs" maw="90%" ms="auto" data-testid="message-bubble">
          {attachment && (
            <Group gap={4} mb={6} wrap="nowrap">
              <IconPaperclip size={14} aria-hidden />
              <Text size="xs" truncate>
                {attachment}
              </Text>
            </Group>
          )}
          <Text size="sm" dir="auto" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
            {text}
          </Text>
        </Paper>
        {footer}
      </Box>
    </Paper>
  );
}
