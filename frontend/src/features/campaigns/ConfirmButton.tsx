import { Button, Group, Popover, Text, type ButtonProps } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

interface ConfirmButtonProps extends ButtonProps {
  question: string;
  onConfirm: () => void;
  children: ReactNode;
}

/** A button for an action that cannot be undone: it asks first, next to itself. */
export function ConfirmButton({ question, onConfirm, children, ...button }: ConfirmButtonProps) {
  const { t } = useTranslation('campaigns');
  const [opened, { toggle, close }] = useDisclosure();
  return (
    <Popover opened={opened} onChange={toggle} trapFocus withArrow width={280} position="bottom">
      <Popover.Target>
        <Button {...button} onClick={toggle}>
          {children}
        </Button>
      </Popover.Target>
      <Popover.Dropdown>
        <Text size="sm" mb="sm">
          {question}
        </Text>
        <Group justify="flex-end" gap="xs">
          <Button size="xs" variant="default" onClick={close}>
            {t('common:cancel')}
          </Button>
          <Button
            size="xs"
            color={button.color}
            onClick={() => {
              close();
              onConfirm();
            }}
          >
            {t('actions.confirm')}
          </Button>
        </Group>
      </Popover.Dropdown>
    </Popover>
  );
}
