import { expect, test } from '@playwright/test';
import { en as dashboardEn, fa as dashboard } from '../src/features/dashboard/locales';
import { buyPackage, expectAccessible, packageOnSale, runSandboxCampaign, screenshot, signedIn, useLanguage } from './support/fixtures';

test('a newcomer sees what to do first; the figures follow what they buy and send @phone', async ({ page, request }, info) => {
  const pkg = await packageOnSale(request, 500);
  await signedIn(page);
  await page.goto('/');
  await expect(page.getByRole('heading', { name: dashboard.nextSteps.title })).toBeVisible();
  await expect(page.getByText(dashboard.chart.empty)).toBeVisible();
  await expectAccessible(page);

  await buyPackage(page, pkg.id);
  await runSandboxCampaign(page);
  await page.reload();
  await expect(page.getByRole('region', { name: dashboard.stats.quotaLeft })).toContainText(/۴۹۴|۴۹۵|۴۹۶|۴۹۷|۴۹۸|۴۹۹|۵۰۰/);
  await expect(page.getByRole('region', { name: dashboard.stats.subscriptionEnd })).toContainText('۳۰ روز مانده');
  // The figures are read again every 10 s: the sends land in them as the campaign runs.
  await expect(page.getByRole('region', { name: dashboard.stats.today }).getByText(/^[۱-۹][۰-۹]*$/)).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('region', { name: dashboard.chart.title }).locator('.recharts-surface')).toBeVisible({ timeout: 30_000 });
  await expectAccessible(page);
  if (info.project.name === 'desktop') await screenshot(page, 'dashboard-fa');

  await useLanguage(page, 'English');
  await expect(page.getByRole('heading', { name: dashboardEn.title })).toBeVisible();
  await expect(page.getByRole('region', { name: dashboardEn.stats.subscriptionEnd })).toContainText('30 days left');
  if (info.project.name === 'desktop') await screenshot(page, 'dashboard-en');
});
