import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { onSessionEnded } from '../api/session';
import { PUBLIC_PATHS } from './paths';

/** When the session ends elsewhere (signed out, revoked), forget everything and ask to sign in. */
export function SessionWatcher() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const { pathname, search } = useLocation();
  useEffect(
    () =>
      onSessionEnded(() => {
        if (PUBLIC_PATHS.includes(pathname)) return;
        queryClient.clear();
        void navigate(`/sign-in?next=${encodeURIComponent(pathname + search)}`, { replace: true });
      }),
    [queryClient, navigate, pathname, search],
  );
  return null;
}
