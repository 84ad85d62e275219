import { expect, test, type Page } from '@playwright/test';
import { fa as campaigns } from '../src/features/campaigns/locales';
import { fa as oversight } from '../src/features/admin/campaigns/locales';
import { fa as admin } from '../src/features/admin/components/locales';
import { fa as adminFilters } from '../src/features/admin/filters/locales';
import { fa as users } from '../src/features/admin/users/locales';
import { fa as common } from '../src/i18n/common';
import { ADMIN, adminSignedIn, apiSend, buyPackage, expectAccessible, packageOnSale, screenshot, signedIn, type Person } from './support/fixtures';

const words = (text: string, values: Record<string, string>) => text.replace(/{{(\w+)}}/g, (_, key: string) => values[key] ?? '');

interface Scheduled {
  campaign: number;
  sender: number;
  title: string;
}

/** A user with a package, a sandbox number and a campaign scheduled for an hour from now (through the API). */
async function userWithScheduledCampaign(page: Page): Promise<Person & Scheduled> {
  const onSale = await packageOnSale(page.request);
  const person = await signedIn(page);
  await buyPackage(page, onSale.id);
  const sender = await apiSend<{ id: number }>(page, 'POST', '/api/v1/senders', { display_name: `خط ${person.username}`, provider: 'sandbox' });
  const title = `حراج ${person.username}`;
  const campaign = await apiSend<{ id: number }>(page, 'POST', '/api/v1/campaigns', { title, message: 'سلام', interval_seconds: 0, sender_ids: [sender.id] });
  const preview = await apiSend<{ id: number; mapping: unknown }>(page, 'POST', `/api/v1/campaigns/${campaign.id}/imports`, { text: '09120001111\n09120002222' });
  await apiSend(page, 'PUT', `/api/v1/imports/${preview.id}/mapping`, preview.mapping);
  await expect
    .poll(async () => ((await (await page.request.get(`/api/v1/imports/${preview.id}`)).json()) as { status: string }).status)
    .toBe('COMPLETED');
  await apiSend(page, 'POST', `/api/v1/campaigns/${campaign.id}/start`, { scheduled_at: new Date(Date.now() + 3_600_000).toISOString() });
  return { ...person, campaign: campaign.id, sender: sender.id, title };
}

/** Opens the dialog of an action, gives the reason, and confirms. */
async function confirmWithReason(page: Page, button: string, confirm: string, reason: string | null): Promise<void> {
  await page.getByRole('button', { name: button, exact: true }).click();
  const dialog = page.getByRole('dialog');
  if (reason !== null) await dialog.getByLabel(admin.reason.label).fill(reason);
  await dialog.getByRole('button', { name: confirm, exact: true }).click();
  await expect(dialog).toBeHidden();
}

test('an admin finds a user and bans them with a reason; the user sees their campaign paused with it', async ({ page, browser }) => {
  test.setTimeout(120_000);
  const userContext = await browser.newContext();
  const userPage = await userContext.newPage();
  const user = await userWithScheduledCampaign(userPage);
  const reason = `ارسال هرزنامه ${user.username}`;

  // The admin sorts the users table, then finds them by username.
  await adminSignedIn(page);
  await page.goto('/');
  await page.getByRole('link', { name: common.nav.users, exact: true }).click();
  await expect(page.getByRole('heading', { name: users.title, level: 1 })).toBeVisible();
  // Newest sign-in first: the first click sorts from the smallest, the second turns it round.
  const lastSignIn = page.getByRole('columnheader', { name: users.table.lastSignIn });
  await lastSignIn.getByRole('button').click();
  await expect(lastSignIn).toHaveAttribute('aria-sort', 'ascending');
  await lastSignIn.getByRole('button').click();
  await expect(lastSignIn).toHaveAttribute('aria-sort', 'descending');
  await expect(page.getByRole('row', { name: new RegExp(user.username) })).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, 'admin-users-fa');
  await page.getByLabel(users.filters.search).fill(user.username);
  await page.getByRole('button', { name: users.filters.searchButton }).click();
  await expect(page.getByRole('row')).toHaveCount(2);
  await page.getByRole('row', { name: new RegExp(user.username) }).getByRole('link', { name: user.name }).click();

  // Their whole picture: the campaign, the number, the purchase.
  await expect(page.getByRole('heading', { name: user.name, level: 1 })).toBeVisible();
  const campaignsSection = page.getByRole('region', { name: users.detail.campaigns });
  await expect(campaignsSection.getByRole('row', { name: new RegExp(user.title) }).getByText(campaigns.status.READY, { exact: true })).toBeVisible();
  await expect(page.getByRole('region', { name: users.detail.numbers }).getByText(`خط ${user.username}`)).toBeVisible();
  await expect(page.getByRole('region', { name: users.detail.subscription }).getByRole('cell', { name: users.subscription.sources.PAYMENT })).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, 'admin-user-fa');

  // A ban asks for the reason first.
  await page.getByRole('button', { name: users.actions.ban, exact: true }).click();
  const dialog = page.getByRole('dialog', { name: words(users.actions.banTitle, { name: user.name }) });
  await dialog.getByRole('button', { name: users.actions.ban, exact: true }).click();
  await expect(dialog.getByText(admin.reason.required)).toBeVisible();
  await expectAccessible(page);
  await dialog.getByLabel(admin.reason.label).fill(reason);
  await dialog.getByRole('button', { name: users.actions.ban, exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText(users.status.BANNED, { exact: true }).first()).toBeVisible();
  const paused = campaignsSection.getByRole('row', { name: new RegExp(user.title) });
  await expect(paused.getByText(campaigns.status.PAUSED, { exact: true })).toBeVisible();
  await expect(paused.getByText(`${campaigns.reasonStarts.banned}: ${reason}`)).toBeVisible();

  // They are signed out everywhere, and cannot sign in while banned.
  await userPage.goto(`/campaigns/${user.campaign}`);
  await expect(userPage).toHaveURL(/\/sign-in/);
  const refused = await userPage.request.post('/api/v1/auth/login', { data: { login: user.username, password: user.password, use_cookies: true } });
  expect(refused.ok()).toBeFalsy();

  // Reactivated, they sign in and see why their campaign is paused.
  await confirmWithReason(page, users.actions.reactivate, users.actions.reactivate, null);
  await expect(page.getByText(users.status.ACTIVE, { exact: true }).first()).toBeVisible();
  const login = await userPage.request.post('/api/v1/auth/login', { data: { login: user.username, password: user.password, use_cookies: true } });
  expect(login.ok()).toBeTruthy();
  await userPage.goto(`/campaigns/${user.campaign}`);
  await expect(userPage.getByRole('heading', { name: user.title })).toBeVisible();
  await expect(userPage.getByText(campaigns.status.PAUSED, { exact: true })).toBeVisible();
  await expect(userPage.getByText(`${campaigns.reasonStarts.banned}: ${reason}`, { exact: true })).toBeVisible();
  await userContext.close();
});

test("an admin pauses anyone's campaign with a reason and suspends a number platform-wide", async ({ page, browser }) => {
  test.setTimeout(120_000);
  const userContext = await browser.newContext();
  const userPage = await userContext.newPage();
  const user = await userWithScheduledCampaign(userPage);
  const me = await userPage.request.get('/api/v1/users/me');
  const userId = ((await me.json()) as { id: number }).id;

  await adminSignedIn(page);
  await page.goto('/');
  await page.getByRole('link', { name: common.nav.oversight, exact: true }).click();
  await page.getByLabel(adminFilters.user).fill(String(userId));
  const row = page.getByRole('row', { name: new RegExp(user.title) });
  await expect(row).toBeVisible();
  await expect(page.getByRole('row')).toHaveCount(2);
  await expectAccessible(page);

  const title = words(oversight.campaigns.pauseLabel, { title: user.title });
  await row.getByRole('button', { name: title }).click();
  const dialog = page.getByRole('dialog', { name: words(oversight.campaigns.pauseTitle, { title: user.title }) });
  await dialog.getByLabel(admin.reason.label).fill('شکایت گیرندگان');
  await dialog.getByRole('button', { name: oversight.campaigns.pause, exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(row.getByText(campaigns.status.PAUSED, { exact: true })).toBeVisible();
  await expect(row.getByText(`${campaigns.reasonStarts.pausedByAdmin}: شکایت گیرندگان`)).toBeVisible();

  // The number, on the numbers tab of the same user: suspended, then restored.
  await page.getByRole('tab', { name: oversight.tabs.numbers }).click();
  await expect(page.getByLabel(adminFilters.user)).toHaveValue(String(userId));
  const number = page.getByRole('row', { name: new RegExp(`خط ${user.username}`) });
  const name = `خط ${user.username}`;
  await number.getByRole('button', { name: words(oversight.numbers.suspendLabel, { name }) }).click();
  const suspend = page.getByRole('dialog', { name: words(oversight.numbers.suspendTitle, { name }) });
  await suspend.getByLabel(admin.reason.label).fill('گزارش هرزنامه');
  await suspend.getByRole('button', { name: oversight.numbers.suspend, exact: true }).click();
  await expect(suspend).toBeHidden();
  await expect(number).toContainText('گزارش هرزنامه');
  await expectAccessible(page);

  await number.getByRole('button', { name: words(oversight.numbers.restoreLabel, { name }) }).click();
  await page.getByRole('dialog').getByRole('button', { name: oversight.numbers.restore, exact: true }).click();
  await expect(number.getByRole('button', { name: words(oversight.numbers.suspendLabel, { name }) })).toBeVisible();
  await userContext.close();
});

test("the only super admin cannot change their own role: the API's refusal shows in the dialog", async ({ page }) => {
  await adminSignedIn(page);
  await page.goto(`/admin/users?q=${encodeURIComponent(ADMIN.login)}`);
  await page.getByRole('row', { name: /admin@example\.com/ }).getByRole('link').click();
  await page.getByRole('button', { name: users.actions.role, exact: true }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('textbox', { name: users.actions.newRole }).click();
  await page.getByRole('option', { name: users.role.ADMIN, exact: true }).click();
  await dialog.getByRole('button', { name: users.actions.roleConfirm, exact: true }).click();
  await expect(dialog.getByRole('alert')).toHaveText(admin.refusals['You cannot change your own role'] ?? '');
});
