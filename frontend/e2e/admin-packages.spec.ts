import { expect, test } from '@playwright/test';
import { fa as packages } from '../src/features/admin/packages/locales';
import { fa as billing } from '../src/features/billing/locales';
import { fa as common } from '../src/i18n/common';
import { adminSignedIn, expectAccessible, screenshot, signedIn } from './support/fixtures';

const label = (text: string, title: string) => text.replace('{{title}}', title);

test('an admin creates a package, a user sees it on sale, and deactivating it takes it off sale', async ({ page, browser }) => {
  const title = `بسته طلایی ${Date.now() % 100_000}`;
  await adminSignedIn(page);
  await page.goto('/');
  await page.getByRole('link', { name: common.nav.packages, exact: true }).click();
  await expect(page.getByRole('heading', { name: packages.title, level: 1 })).toBeVisible();

  await page.getByRole('button', { name: packages.create }).click();
  const dialog = page.getByRole('dialog', { name: packages.form.createTitle });
  // Nothing is sent until the form holds what the API accepts.
  await dialog.getByLabel(packages.form.days).fill('0');
  await dialog.getByRole('button', { name: packages.form.submitCreate }).click();
  await expect(dialog.getByText(packages.validation.title)).toBeVisible();
  await expect(dialog.getByText(packages.validation.price)).toBeVisible();
  await expect(dialog.getByText(packages.validation.days)).toBeVisible();
  await expectAccessible(page);

  await dialog.getByLabel(packages.form.title).fill(title);
  await dialog.getByLabel(packages.form.description).fill('برای فروشگاه‌های کوچک');
  await dialog.getByLabel(/^قیمت/).fill('2500000');
  await dialog.getByLabel(packages.form.days).fill('90');
  await dialog.getByLabel(packages.form.messages).fill('5000');
  await dialog.getByRole('button', { name: packages.form.submitCreate }).click();
  await expect(dialog).toBeHidden();

  const row = page.getByRole('row', { name: new RegExp(title) });
  await expect(row.getByText('۲٬۵۰۰٬۰۰۰ ریال')).toBeVisible();
  await expect(row.getByText('۹۰ روز')).toBeVisible();
  await expect(row.getByText('۵٬۰۰۰', { exact: true })).toBeVisible();
  await expect(row.getByText(packages.table.statuses.ACTIVE, { exact: true })).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, 'admin-packages-fa');

  // A user sees it on sale, and no administration menu.
  const userContext = await browser.newContext();
  const user = await userContext.newPage();
  await signedIn(user);
  await user.goto('/billing');
  await expect(user.getByRole('button', { name: label(billing.packages.buyLabel, title) })).toBeVisible();
  await expect(user.getByText(common.nav.admin)).toHaveCount(0);
  await expect(user.getByRole('link', { name: common.nav.packages, exact: true })).toHaveCount(0);

  // An edit shows at once; deactivating asks first, then takes it off sale.
  await row.getByRole('button', { name: label(packages.table.editLabel, title) }).click();
  const edit = page.getByRole('dialog', { name: label(packages.form.editTitle, title) });
  await edit.getByLabel(packages.form.messages).fill('6000');
  await edit.getByRole('button', { name: packages.form.submitEdit }).click();
  await expect(edit).toBeHidden();
  await expect(row.getByText('۶٬۰۰۰', { exact: true })).toBeVisible();

  await row.getByRole('button', { name: label(packages.table.deactivateLabel, title) }).click();
  const confirm = page.getByRole('dialog', { name: label(packages.deactivate.title, title) });
  await expect(confirm.getByText(packages.deactivate.body)).toBeVisible();
  await confirm.getByRole('button', { name: packages.deactivate.confirm }).click();
  await expect(confirm).toBeHidden();
  await expect(row.getByText(packages.table.statuses.INACTIVE, { exact: true })).toBeVisible();

  await user.reload();
  await expect(user.getByRole('heading', { name: billing.packages.title })).toBeVisible();
  await expect(user.getByRole('button', { name: label(billing.packages.buyLabel, title) })).toHaveCount(0);
  await userContext.close();
});

test('a user does not see the administration menu, and its screen refuses them @phone', async ({ page }) => {
  await signedIn(page);
  await page.goto('/admin/packages');
  await expect(page.getByRole('heading', { name: common.adminOnly.title })).toBeVisible();
  await expect(page.getByRole('heading', { name: packages.title, level: 1 })).toHaveCount(0);
  await expect(page.getByText(common.nav.admin)).toHaveCount(0);
  await expectAccessible(page);
});
