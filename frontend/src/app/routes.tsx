import { lazy } from 'react';
import { createBrowserRouter, Outlet } from 'react-router';
import { NotFound } from './NotFound';
import { PublicLayout } from './PublicLayout';
import { RequireAdmin } from './RequireAdmin';
import { RequireSession } from './RequireSession';
import { RouteError } from './RouteError';
import { SessionWatcher } from './SessionWatcher';
import { AppLayout } from './shell/AppLayout';

// Each screen is its own chunk, so the first visit loads only what it shows.
const SignUpPage = lazy(() => import('../features/auth/SignUpPage'));
const VerifyPage = lazy(() => import('../features/auth/VerifyPage'));
const SignInPage = lazy(() => import('../features/auth/SignInPage'));
const ForgotPasswordPage = lazy(() => import('../features/auth/ForgotPasswordPage'));
const DashboardPage = lazy(() => import('../features/dashboard/DashboardPage'));
const SendersPage = lazy(() => import('../features/senders/SendersPage'));
const BillingPage = lazy(() => import('../features/billing/BillingPage'));
const InvoicePage = lazy(() => import('../features/billing/InvoicePage'));
const AccountPage = lazy(() => import('../features/account/AccountPage'));
const CampaignListPage = lazy(() => import('../features/campaigns/CampaignListPage'));
const NewCampaignPage = lazy(() => import('../features/campaigns/wizard/NewCampaignPage'));
const CampaignWizardPage = lazy(() => import('../features/campaigns/wizard/CampaignWizardPage'));
const CampaignPage = lazy(() => import('../features/campaigns/CampaignPage'));
const PackagesPage = lazy(() => import('../features/admin/packages/PackagesPage'));
const StatisticsPage = lazy(() => import('../features/admin/statistics/StatisticsPage'));
const AuditPage = lazy(() => import('../features/admin/audit/AuditPage'));
const SystemPage = lazy(() => import('../features/admin/system/SystemPage'));
const AdminPaymentsPage = lazy(() => import('../features/admin/payments/PaymentsPage'));
const UsersPage = lazy(() => import('../features/admin/users/UsersPage'));
const UserPage = lazy(() => import('../features/admin/users/UserPage'));
const CampaignOversightPage = lazy(() => import('../features/admin/campaigns/CampaignOversightPage'));

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
    errorElement: <RouteError />,
    children: [
      {
        element: <PublicLayout />,
        children: [
          { path: 'sign-up', element: <SignUpPage /> },
          { path: 'verify', element: <VerifyPage /> },
          { path: 'sign-in', element: <SignInPage /> },
          { path: 'forgot-password', element: <ForgotPasswordPage /> },
        ],
      },
      {
        element: <RequireSession />,
        children: [
          {
            element: <AppLayout />,
            children: [
              { index: true, element: <DashboardPage /> },
              { path: 'numbers', element: <SendersPage /> },
              { path: 'billing', element: <BillingPage /> },
              { path: 'billing/payments/:paymentId/invoice', element: <InvoicePage /> },
              { path: 'account', element: <AccountPage /> },
              // Signed-in screens go here, one line each.
              { path: 'campaigns', element: <CampaignListPage /> },
              { path: 'campaigns/new', element: <NewCampaignPage /> },
              { path: 'campaigns/:campaignId/edit', element: <CampaignWizardPage /> },
              { path: 'campaigns/:campaignId', element: <CampaignPage /> },
              {
                // The administration's screens: admins only (the API refuses others too).
                path: 'admin',
                element: <RequireAdmin />,
                children: [
                  { path: 'packages', element: <PackagesPage /> },
                  { path: 'users', element: <UsersPage /> },
                  { path: 'users/:userId', element: <UserPage /> },
                  { path: 'campaigns', element: <CampaignOversightPage /> },
                  { path: 'statistics', element: <StatisticsPage /> },
                  { path: 'audit', element: <AuditPage /> },
                  { path: 'system', element: <SystemPage /> },
                  { path: 'payments', element: <AdminPaymentsPage /> },
                ],
              },
              { path: '*', element: <NotFound /> },
            ],
          },
        ],
      },
    ],
  },
]);
