import { useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearchParams } from 'react-router';

/** After signing in: forget the signed-out state and go where the person was headed. */
export function useSignedIn() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = params.get('next');
  const destination = next?.startsWith('/') && !next.startsWith('//') ? next : '/';
  return async () => {
    await queryClient.resetQueries();
    await navigate(destination, { replace: true });
  };
}
