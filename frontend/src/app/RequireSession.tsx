import { Navigate, Outlet, useLocation } from 'react-router';
import { isApiError } from '../api/problem';
import { PageLoader } from '../components/PageLoader';
import { QueryError } from '../components/QueryError';
import { useCurrentUser } from '../hooks/useCurrentUser';

/** Screens behind it need a signed-in person; others are sent to sign in, and come back after. */
export function RequireSession() {
  const me = useCurrentUser();
  const location = useLocation();
  if (me.isPending) return <PageLoader />;
  if (isApiError(me.error, 401) || isApiError(me.error, 403)) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/sign-in?next=${next}`} replace />;
  }
  if (me.isError) return <QueryError error={me.error} onRetry={() => void me.refetch()} />;
  return <Outlet />;
}
