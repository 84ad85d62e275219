import { expect, test, type Page } from '@playwright/test';
import { fa as account } from '../src/features/account/locales';
import { en as authEn, fa as auth } from '../src/features/auth/locales';
import { en as dashboardEn, fa as dashboard } from '../src/features/dashboard/locales';
import { fa as common } from '../src/i18n/common';
import { expectAccessible, newPerson, screenshot, signedIn, smsCode, useLanguage, type Person } from './support/fixtures';

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
  await page.getByRole('textbox', { name: auth.fields.password, exact: true }).fill(person.password);
  if (info.project.name === 'desktop') await screenshot(page, 'sign-up-fa');
  await page.getByRole('button', { name: auth.signUp.submit }).click();

  await expect(page.getByRole('heading', { name: auth.verify.title })).toBeVisible();
  await page.getByLabel(auth.fields.code).fill(await smsCode(request, person.e164, 'VERIFY_PHONE'));
  await page.getByRole('button', { name: auth.verify.submit }).click();

  await expect(page.getByRole('heading', { name: dashboard.title })).toBeVisible();
});

async function signUpQuietly(page: Page): Promise<Person> {
  const person = await signedIn(page);
  await page.context().clearCookies();
  return person;
}

test('a wrong password says so; the right one signs in and comes back to the page asked for', async ({ page }) => {
  const person = await signUpQuietly(page);
  await page.goto('/account');
  await expect(page).toHaveURL(/\/sign-in\?next=%2Faccount/);
  await expectAccessible(page);
  await page.getByLabel(auth.fields.login).fill(person.username);
  await page.getByRole('textbox', { name: auth.fields.password, exact: true }).fill('not-the-password');
  await page.getByRole('button', { name: auth.signIn.submit }).click();
  await expect(page.getByText(common.problems['invalid-credentials'])).toBeVisible();
  await screenshot(page, 'sign-in-fa');

  await page.getByRole('textbox', { name: auth.fields.password, exact: true }).fill(person.password);
  await page.getByRole('button', { name: auth.signIn.submit }).click();
  await expect(page).toHaveURL(/\/account$/);
});

test('signs in with a one-time code by SMS, in English @phone', async ({ page, request }) => {
  const person = await signUpQuietly(page);
  await page.goto('/sign-in');
  await useLanguage(page, 'English');
  await expect(page.locator('html')).toHaveAttribute('dir', 'ltr');
  await page.getByRole('tab', { name: authEn.signIn.withCode }).click();
  await page.getByLabel(authEn.fields.login).fill(person.phone);
  await page.getByRole('button', { name: authEn.signIn.sendCode }).click();
  await page.getByLabel(authEn.fields.code).fill(await smsCode(request, person.e164, 'LOGIN'));
  await expectAccessible(page);
  await page.getByRole('button', { name: authEn.signIn.submit }).click();
  await expect(page.getByRole('heading', { name: dashboardEn.title })).toBeVisible();

  await page.reload();
  await expect(page.getByRole('heading', { name: dashboardEn.title })).toBeVisible();
});

test('a forgotten password is reset by code, then signs in with the new one', async ({ page, request }) => {
  const person = await signUpQuietly(page);
  await page.goto('/sign-in');
  await page.getByRole('link', { name: auth.signIn.forgot }).click();
  await page.getByLabel(auth.fields.phoneOrEmail).fill(person.phone);
  await page.getByRole('button', { name: auth.forgot.sendCode }).click();
  await page.getByLabel(auth.fields.code).fill(await smsCode(request, person.e164, 'PASSWORD_RESET'));
  await page.getByLabel(auth.fields.newPassword).fill('1234');
  await page.getByRole('button', { name: auth.forgot.submit }).click();
  await expect(page.getByText(auth.validation.password)).toBeVisible();
  await expectAccessible(page);

  const newPassword = `${person.password}-new`;
  await page.getByLabel(auth.fields.newPassword).fill(newPassword);
  await page.getByRole('button', { name: auth.forgot.submit }).click();
  await expect(page.getByText(auth.forgot.done)).toBeVisible();

  await page.getByLabel(auth.fields.login).fill(person.email);
  await page.getByRole('textbox', { name: auth.fields.password, exact: true }).fill(newPassword);
  await page.getByRole('button', { name: auth.signIn.submit }).click();
  await expect(page.getByRole('heading', { name: dashboard.title })).toBeVisible();
});

test('signing out ends the session: the app asks to sign in again', async ({ page }) => {
  await signedIn(page);
  await page.goto('/');
  await page.getByRole('button', { name: common.signOut }).click();
  await expect(page.getByRole('heading', { name: auth.signIn.title })).toBeVisible();
  await page.goto('/');
  await expect(page).toHaveURL(/\/sign-in/);
});

test('the app runs under the strict Content-Security-Policy, and remembers the language', async ({ page }) => {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) violations.push(message.text());
  });
  const response = await page.goto('/sign-in');
  expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
  await useLanguage(page, 'English');
  await expect(page.getByRole('heading', { name: authEn.signIn.title })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('heading', { name: authEn.signIn.title })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  expect(violations).toEqual([]);
});

test('an expired access token is renewed silently; a session ended elsewhere asks to sign in', async ({ page, browser }) => {
  const person = await signedIn(page);
  await page.goto('/account');
  const cookies = await page.context().cookies();
  await page.context().clearCookies({ name: 'payam_access' });
  await page.reload();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole('textbox', { name: auth.fields.email, exact: true })).toHaveValue(person.email);
  expect(cookies.some((cookie) => cookie.name === 'payam_refresh')).toBeTruthy();

  // This device signs another one out from its list: that one is sent to sign in.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await otherPage.goto('/sign-in');
  await otherPage.getByLabel(auth.fields.login).fill(person.username);
  await otherPage.getByRole('textbox', { name: auth.fields.password, exact: true }).fill(person.password);
  await otherPage.getByRole('button', { name: auth.signIn.submit }).click();
  await expect(otherPage.getByRole('heading', { name: dashboard.title })).toBeVisible();

  await page.reload();
  const devices = page.getByRole('region', { name: account.devices.title });
  await expect(devices.getByRole('listitem')).toHaveCount(2);
  await devices.getByRole('button', { name: /^خروج ./ }).click();
  await expect(devices.getByRole('listitem')).toHaveCount(1);

  // Its live connection closes at once, or its next request is refused: either way, sign in.
  await expect(otherPage.getByRole('heading', { name: auth.signIn.title })).toBeVisible({ timeout: 20_000 });
  await other.close();
});
