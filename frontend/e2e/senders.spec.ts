import { expect, test } from '@playwright/test';
import { en as sendersEn, fa as senders } from '../src/features/senders/locales';
import { fa as common } from '../src/i18n/common';
import { expectAccessible, screenshot, signedIn, useLanguage } from './support/fixtures';

test('links a sandbox number, changes its limits and unlinks it @phone', async ({ page }, info) => {
  await signedIn(page);
  await page.goto('/numbers');
  await expect(page.getByText(senders.empty.title)).toBeVisible();
  await expectAccessible(page);

  await page.getByRole('button', { name: senders.link }).first().click();
  const dialog = page.getByRole('dialog', { name: senders.form.linkTitle });
  await dialog.getByLabel(senders.form.displayName).fill('فروش');
  await dialog.getByRole('textbox', { name: senders.form.dailyCap }).fill('');
  await dialog.getByRole('button', { name: senders.form.submitLink }).click();
  await expect(dialog.getByText(senders.validation.dailyCap)).toBeVisible();
  await expectAccessible(page);
  await dialog.getByRole('textbox', { name: senders.form.dailyCap }).fill('300');
  await dialog.getByRole('button', { name: senders.form.submitLink }).click();

  const card = page.getByRole('article', { name: 'فروش' });
  await expect(card.getByText(senders.status.CONNECTED)).toBeVisible();
  await expect(card.getByText('امروز ۰ از ۳۰۰ پیام')).toBeVisible();
  await expect(card.getByText('ساعت سکوت: 22:00 تا 08:00')).toBeVisible();
  await expectAccessible(page);
  if (info.project.name === 'desktop') await screenshot(page, 'numbers-fa');

  await card.getByRole('button', { name: senders.card.edit }).click();
  const edit = page.getByRole('dialog');
  await edit.getByRole('switch', { name: senders.form.quietHours }).uncheck();
  await edit.getByRole('switch', { name: senders.form.pause }).check();
  await edit.getByRole('button', { name: senders.form.submitEdit }).click();
  await expect(page.getByText(common.saved)).toBeVisible();
  await expect(card.getByText(senders.card.noQuietHours)).toBeVisible();
  await expect(card.getByText('پس از هر ۵۰ پیام، ۳۰۰ ثانیه مکث')).toBeVisible();

  await card.getByRole('button', { name: senders.card.unlink }).click();
  await page.getByRole('dialog').getByRole('button', { name: senders.unlink.confirm }).click();
  await expect(page.getByText(senders.empty.title)).toBeVisible();
});

test('the numbers screen in English, left to right', async ({ page }) => {
  await signedIn(page);
  await page.goto('/numbers');
  await useLanguage(page, 'English');
  await expect(page.getByRole('heading', { name: sendersEn.title })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('dir', 'ltr');
  await expect(page.getByText(sendersEn.empty.hint)).toBeVisible();
  await expectAccessible(page);
});
