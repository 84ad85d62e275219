import { Alert } from '@mantine/core';
import { IconAlertCircle } from '@tabler/icons-react';

/** The reason a form was refused, when it is not about one input. */
export function FormAlert({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <Alert color="red" icon={<IconAlertCircle aria-hidden />} role="alert">
      {message}
    </Alert>
  );
}
