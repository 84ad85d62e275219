import { lazy } from 'react';
import { createBrowserRouter, Outlet } from 'react-router';
import { NotFound } from './NotFound';
import { PublicLayout } from './PublicLayout';
import { RequireSession } from './RequireSession';
import { SessionWatcher } from './SessionWatcher';
import { AppLayout } from './shell/AppLayout';

// Each screen is its own chunk, so the first visit loads only what it shows.
const SignUpPage = lazy(() => import('../features/auth/SignUpPage'));
const VerifyPage = lazy(() => import('../features/auth/VerifyPage'));
const DashboardPage = lazy(() => import('../features/dashboard/DashboardPage'));

function Root() {
  return (
    <>
      <SessionWatcher />
      <Outlet />
    </>
  );
}

export const router = createBrowserRouter([
  {
    element: <Root />,
    children: [
      {
        element: <PublicLayout />,
        children: [
          { path: 'sign-up', element: <SignUpPage /> },
          { path: 'verify', element: <VerifyPage /> },
        ],
      },
      {
        element: <RequireSession />,
        children: [
          {
            element: <AppLayout />,
            children: [
              { index: true, element: <DashboardPage /> },
              // Signed-in screens go here, one line each.
              { path: '*', element: <NotFound /> },
            ],
          },
        ],
      },
    ],
  },
]);
