import { Anchor, Text } from '@mantine/core';
import { Link } from 'react-router';

/** "No account yet? Sign up" under a form. */
export function AuthFooterLink({ question, link, to }: { question: string; link: string; to: string }) {
  return (
    <Text size="sm" ta="center">
      {question}{' '}
      <Anchor component={Link} to={to}>
        {link}
      </Anchor>
    </Text>
  );
}
