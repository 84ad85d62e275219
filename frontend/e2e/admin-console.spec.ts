import { expect, test } from '@playwright/test';
import { fa as audit } from '../src/features/admin/audit/locales';
import { fa as filters } from '../src/features/admin/filters/locales';
import { fa as payments } from '../src/features/admin/payments/locales';
import { fa as statistics } from '../src/features/admin/statistics/locales';
import { fa as system } from '../src/features/admin/system/locales';
import { fa as actions } from '../src/features/audit/locales';
import { fa as billing } from '../src/features/billing/locales';
import { fa as common } from '../src/i18n/common';
import { adminSignedIn, buyPackage, expectAccessible, packageOnSale, runSandboxCampaign, screenshot, signedIn } from './support/fixtures';

const persianDigits = (value: number) => new Intl.NumberFormat('fa-IR', { useGrouping: false }).format(value);

test('an admin sees what a user bought and sent, finds their sign-in in the audit log, and a healthy system', async ({ page, browser, request }) => {
  test.setTimeout(180_000);
  const pkg = await packageOnSale(request, 500);
  const userContext = await browser.newContext();
  const user = await userContext.newPage();
  const person = await signedIn(user);
  const { id: userId } = (await (await user.request.get('/api/v1/users/me')).json()) as { id: number };
  await buyPackage(user, pkg.id);
  // Enough messages to stand among the busiest users even while other tests send too.
  await runSandboxCampaign(user, 40);
  await userContext.close();

  await adminSignedIn(page);
  await page.goto('/');
  await page.getByRole('link', { name: common.nav.statistics, exact: true }).click();
  await expect(page.getByRole('heading', { name: statistics.title, level: 1 })).toBeVisible();
  const byPackage = page.getByRole('region', { name: statistics.revenue.byPackage, exact: true });
  await expect(byPackage.getByRole('row', { name: new RegExp(pkg.title) })).toContainText('۱٬۵۰۰٬۰۰۰ ریال');
  // The campaign sends in the background: its messages land in the figures as it runs.
  await expect(async () => {
    await page.reload();
    const busiest = page.getByRole('region', { name: statistics.rankings.users, exact: true });
    await expect(busiest.getByRole('link', { name: person.username, exact: true }).first()).toBeVisible({ timeout: 10_000 });
  }).toPass({ timeout: 90_000 });
  await expect(page.getByRole('region', { name: statistics.messages.sent, exact: true })).toContainText(/[۱-۹]/);
  await expect(page.getByRole('region', { name: statistics.messages.title, exact: true }).locator('.recharts-surface')).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, 'admin-statistics-fa');

  // The audit log: the user's sign-in, with the address it came from, linked to the user.
  await page.getByRole('link', { name: common.nav.audit, exact: true }).click();
  await expect(page.getByRole('heading', { name: audit.title, level: 1 })).toBeVisible();
  await page.getByLabel(filters.user, { exact: true }).fill(String(userId));
  await page.getByRole('textbox', { name: audit.action, exact: true }).click();
  await page.getByRole('option', { name: actions.actions.auth.login, exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`user=${userId}.*action=auth.login`));
  const signIn = page.getByRole('row', { name: new RegExp(actions.actions.auth.login) });
  await expect(signIn).toHaveCount(1);
  await expect(signIn.getByText('127.0.0.1')).toBeVisible();
  await expect(signIn.getByRole('link').first()).toHaveAttribute('href', `/admin/users/${userId}`);
  await expect(signIn.getByRole('link').first()).toHaveText(`کاربر ${persianDigits(userId)}`);
  await expectAccessible(page);
  await screenshot(page, 'admin-audit-fa');

  // Every payment: the user's, paid, in rials.
  await page.getByRole('link', { name: common.nav.payments, exact: true }).click();
  await expect(page.getByRole('heading', { name: payments.title, level: 1 })).toBeVisible();
  await page.getByLabel(filters.user, { exact: true }).fill(String(userId));
  const payment = page.getByRole('row', { name: new RegExp(pkg.title) });
  await expect(payment).toHaveCount(1);
  await expect(payment).toContainText('۱٬۵۰۰٬۰۰۰ ریال');
  await expect(payment.getByText(billing.payments.statuses.PAID)).toBeVisible();
  await expectAccessible(page);

  // The system's status, read again every few seconds.
  await page.getByRole('link', { name: common.nav.system, exact: true }).click();
  await expect(page.getByRole('heading', { name: system.title, level: 1 })).toBeVisible();
  await expect(page.getByRole('region', { name: system.database, exact: true })).toContainText(system.health.ok);
  await page.waitForResponse((response) => response.url().endsWith('/api/v1/admin/system') && response.ok(), { timeout: 15_000 });
  await expectAccessible(page);
  await screenshot(page, 'admin-system-fa');
});

test('the console is for admins: a user is refused its screens', async ({ page }) => {
  await signedIn(page);
  for (const path of ['/admin/statistics', '/admin/audit', '/admin/system', '/admin/payments']) {
    await page.goto(path);
    await expect(page.getByRole('heading', { name: common.adminOnly.title })).toBeVisible();
  }
  await expect(page.getByRole('link', { name: common.nav.statistics, exact: true })).toHaveCount(0);
});
