import { expect, test } from '@playwright/test';
import { en as billingEn, fa as billing } from '../src/features/billing/locales';
import { expectAccessible, packageOnSale, screenshot, signedIn, useLanguage } from './support/fixtures';

test('buys a package through the sandbox gateway and reads its receipt @phone', async ({ page, request }, info) => {
  const pkg = await packageOnSale(request);
  await signedIn(page);
  await page.goto('/billing');
  await expect(page.getByText(billing.subscription.none)).toBeVisible();
  await expect(page.getByText(billing.payments.empty)).toBeVisible();
  await expectAccessible(page);

  await page.getByRole('button', { name: billing.packages.buyLabel.replace('{{title}}', pkg.title) }).click();
  await page.getByRole('button', { name: /Pay/ }).click();
  await expect(page.getByText(/Payment successful/)).toBeVisible();

  await page.goto('/billing');
  await expect(page.getByText('۱٬۰۰۰ پیام مانده از ۱٬۰۰۰')).toBeVisible();
  const row = page.getByRole('row', { name: new RegExp(pkg.title) });
  await expect(row.getByText(billing.payments.statuses.PAID)).toBeVisible();
  await expectAccessible(page);
  if (info.project.name === 'desktop') await screenshot(page, 'billing-fa');

  await row.getByRole('link').click();
  await expect(page.getByRole('heading', { name: /INV-/ })).toBeVisible();
  await expect(page.getByText(pkg.title)).toBeVisible();
  await expectAccessible(page);
  if (info.project.name === 'desktop') await screenshot(page, 'invoice-fa');
});

test('a cancelled payment shows as failed, and the subscription stays empty (English)', async ({ page, request }) => {
  const pkg = await packageOnSale(request);
  await signedIn(page);
  await page.goto('/billing');
  await useLanguage(page, 'English');
  await page.getByRole('button', { name: billingEn.packages.buyLabel.replace('{{title}}', pkg.title) }).click();
  await page.getByRole('button', { name: /Cancel/ }).click();
  await expect(page.getByText(/Payment failed/)).toBeVisible();

  await page.goto('/billing');
  await expect(page.getByText(billingEn.subscription.none)).toBeVisible();
  await expect(page.getByRole('row', { name: new RegExp(pkg.title) }).getByText(billingEn.payments.statuses.FAILED)).toBeVisible();
  await expectAccessible(page);
});
