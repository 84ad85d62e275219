import { expect, test } from '@playwright/test';
import { fa as auth } from '../src/features/auth/locales';
import { fa as dashboard } from '../src/features/dashboard/locales';
import { expectAccessible, newPerson, screenshot, smsCode } from './support/fixtures';

test('a newcomer signs up, verifies the phone by code and lands on the dashboard @phone', async ({ page, request }, info) => {
  const person = newPerson();
  await page.goto('/sign-up');
  await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
  await expect(page.getByRole('heading', { name: auth.signUp.title })).toBeVisible();
  await expectAccessible(page);

  await page.getByLabel(auth.fields.name).fill(person.name);
  await page.getByLabel(auth.fields.username).fill(person.username);
  await page.getByLabel(auth.fields.email).fill(person.email);
  await page.getByLabel(auth.fields.phone).fill(person.phone);
  await page.getByLabel(auth.fields.password).fill(person.password);
  if (info.project.name === 'desktop') await screenshot(page, 'sign-up-fa');
  await page.getByRole('button', { name: auth.signUp.submit }).click();

  await expect(page.getByRole('heading', { name: auth.verify.title })).toBeVisible();
  await page.getByLabel(auth.fields.code).fill(await smsCode(request, person.e164, 'VERIFY_PHONE'));
  await page.getByRole('button', { name: auth.verify.submit }).click();

  await expect(page.getByRole('heading', { name: dashboard.title })).toBeVisible();
});
