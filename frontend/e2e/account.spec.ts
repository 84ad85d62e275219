import { expect, test } from '@playwright/test';
import { en as accountEn, fa as account } from '../src/features/account/locales';
import { fa as audit } from '../src/features/audit/locales';
import { fa as auth } from '../src/features/auth/locales';
import { en as commonEn } from '../src/i18n/common';
import { expectAccessible, screenshot, signedIn, smsCode, useLanguage } from './support/fixtures';

test('changes the profile, verifies a new number by code, and sees the devices @phone', async ({ page, request }, info) => {
  const person = await signedIn(page);
  await page.goto('/account');
  const profile = page.getByRole('region', { name: account.profile.title });
  await expect(profile.getByRole('textbox', { name: auth.fields.email, exact: true })).toHaveValue(person.email);
  await expect(profile.getByText(account.contact.verified)).toBeVisible();
  const devices = page.getByRole('region', { name: account.devices.title });
  await expect(devices.getByText(account.devices.current)).toBeVisible();
  // The sign-in that opened this session is among the account's own security events.
  const security = page.getByRole('region', { name: account.security.title });
  await expect(security.getByText(audit.actions.auth.login, { exact: true }).first()).toBeVisible();
  await expectAccessible(page);
  if (info.project.name === 'desktop') await screenshot(page, 'account-fa');

  const newPhone = `0935${person.phone.slice(4)}`;
  await profile.getByRole('textbox', { name: auth.fields.name, exact: true }).fill(`${person.name} تازه`);
  await profile.getByRole('textbox', { name: auth.fields.phone, exact: true }).fill(newPhone);
  await profile.getByRole('button', { name: account.profile.submit }).click();
  await expect(page.getByText(account.profile.reverify)).toBeVisible();
  await expect(profile.getByText(account.contact.unverified)).toHaveCount(2);

  await profile.getByRole('button', { name: account.contact.verifyPhone }).click();
  const dialog = page.getByRole('dialog', { name: account.contact.verifyPhone });
  await dialog.getByRole('button', { name: account.contact.send }).click();
  await dialog.getByLabel(auth.fields.code).fill(await smsCode(request, `+98935${person.phone.slice(4)}`, 'VERIFY_PHONE'));
  await expectAccessible(page);
  await dialog.getByRole('button', { name: account.contact.submit }).click();
  await expect(profile.getByText(account.contact.verified)).toBeVisible();
  await expect(profile.getByText(account.contact.unverified)).toHaveCount(1);
});

test('a password change needs the current password and signs out other devices (English)', async ({ page, browser }) => {
  const person = await signedIn(page);
  const other = await browser.newContext();
  const login = await other.request.post(`${test.info().project.use.baseURL}/api/v1/auth/login`, {
    data: { login: person.username, password: person.password, use_cookies: true },
    headers: { 'User-Agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36' },
  });
  expect(login.ok()).toBeTruthy();

  await page.goto('/account');
  await useLanguage(page, 'English');
  const devices = page.getByRole('region', { name: accountEn.devices.title });
  await expect(devices.getByRole('listitem')).toHaveCount(2);

  const password = page.getByRole('region', { name: accountEn.password.title });
  await password.getByLabel(accountEn.password.current).fill('not-my-password');
  await password.getByLabel(accountEn.password.new).fill(`${person.password}-2`);
  await password.getByRole('button', { name: accountEn.password.submit }).click();
  await expect(password.getByText(commonEn.problems['invalid-credentials'])).toBeVisible();

  await password.getByLabel(accountEn.password.current).fill(person.password);
  await password.getByRole('button', { name: accountEn.password.submit }).click();
  await expect(page.getByText(accountEn.password.done)).toBeVisible();
  await expect(devices.getByRole('listitem')).toHaveCount(1);
  await expectAccessible(page);
  await other.close();
});
