import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useNavigate } from 'react-router';
import { onSessionEnded } from '../api/session';

/** When the session ends elsewhere (signed out, revoked), forget everything and ask to sign in. */
export function SessionWatcher() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  useEffect(
    () =>
      onSessionEnded(() => {
        queryClient.clear();
        void navigate('/sign-in', { replace: true });
      }),
    [queryClient, navigate],
  );
  return null;
}
