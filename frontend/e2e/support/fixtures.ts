import AxeBuilder from '@axe-core/playwright';
import { expect, type APIRequestContext, type Page } from '@playwright/test';
import { randomInt } from 'node:crypto';
import { mkdirSync } from 'node:fs';

export interface Person {
  name: string;
  username: string;
  email: string;
  /** As typed, in the local form. */
  phone: string;
  /** As Payam stores it (E.164). */
  e164: string;
  password: string;
}

export function newPerson(): Person {
  const serial = `${Date.now() % 1_000_000}${randomInt(10, 99)}`.padStart(8, '0').slice(-7);
  return {
    name: `مریم آزمون ${serial}`,
    username: `user${serial}`,
    email: `user${serial}@example.com`,
    phone: `0912${serial}`,
    e164: `+98912${serial}`,
    password: `Kavir-${serial}-Lale!`,
  };
}

/** The last code the test SMS gateway received for this number and purpose. */
export async function smsCode(request: APIRequestContext, phone: string, purpose: string): Promise<string> {
  const url = `http://127.0.0.1:${process.env.SMS_GATEWAY_PORT}/codes?to=${encodeURIComponent(phone)}&purpose=${purpose}`;
  let code = '';
  await expect
    .poll(async () => {
      const response = await request.get(url);
      code = response.ok() ? ((await response.json()) as { code: string }).code : '';
      return code;
    })
    .not.toBe('');
  return code;
}

/** A new account with a verified phone, signed in on this page (through the API, quickly). */
export async function signedIn(page: Page): Promise<Person> {
  const person = newPerson();
  const api = page.request;
  const registered = await api.post('/api/v1/auth/register', {
    data: { name: person.name, username: person.username, email: person.email, phone: person.phone, password: person.password },
  });
  expect(registered.status()).toBe(201);
  const code = await smsCode(api, person.e164, 'VERIFY_PHONE');
  const verified = await api.post('/api/v1/auth/otp/verify', {
    data: { purpose: 'VERIFY_PHONE', login: person.e164, code },
  });
  expect(verified.ok()).toBeTruthy();
  const login = await api.post('/api/v1/auth/login', {
    data: { login: person.username, password: person.password, use_cookies: true },
  });
  expect(login.ok()).toBeTruthy();
  return person;
}

/** Fails on any accessibility violation axe finds (WCAG 2 A and AA) on what the page shows. */
export async function expectAccessible(page: Page): Promise<void> {
  // Colours are measured as a reader first sees them: nothing loading or hovered, and
  // transitions (at most 200 ms) ended.
  await expect(page.locator('[data-loading]')).toHaveCount(0);
  await page.mouse.move(0, 0);
  await page.waitForTimeout(250);
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
  const found = results.violations.map(
    (violation) => `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(' ')).join(', ')})`,
  );
  expect(found).toEqual([]);
}

const SCREENSHOTS = new URL('../../../docs/screenshots/', import.meta.url).pathname;

/**
 * Saves what the page shows into docs/screenshots/<name>.png for the README, when the run asks
 * for them (E2E_SCREENSHOTS=1): an ordinary run leaves the committed pictures alone.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (!process.env.E2E_SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
}

/** Chooses the language with the switch in the header. */
export async function useLanguage(page: Page, language: 'فارسی' | 'English'): Promise<void> {
  await page.locator('label', { hasText: language }).click();
}

export interface OnSale {
  id: number;
  title: string;
}

/** The first admin, as serve.mjs makes it (PAYAM_ADMIN_EMAIL, PAYAM_ADMIN_PASSWORD). */
export const ADMIN = { login: 'admin@example.com', password: 'e2e-Admin-pass-4821' };

/** The first admin signed in on this page (through the API). */
export async function adminSignedIn(page: Page): Promise<void> {
  const login = await page.request.post('/api/v1/auth/login', { data: { ...ADMIN, use_cookies: true } });
  expect(login.ok()).toBeTruthy();
}

/** A package on sale, created by the first admin through the API. */
export async function packageOnSale(request: APIRequestContext, messages = 1000): Promise<OnSale> {
  const login = await request.post('/api/v1/auth/login', { data: ADMIN });
  expect(login.ok()).toBeTruthy();
  const { access_token } = (await login.json()) as { access_token: string };
  const title = `بسته ${randomInt(1000, 9999)}`;
  const created = await request.post('/api/v1/admin/packages', {
    headers: { Authorization: `Bearer ${access_token}` },
    data: { title, price: 1_500_000, duration_days: 30, message_limit: messages, description: 'برای آزمون' },
  });
  expect(created.status()).toBe(201);
  return { id: ((await created.json()) as { id: number }).id, title };
}

/** A change through the API as the page's signed-in person (cookies and the CSRF header). */
export async function apiSend<T>(page: Page, method: 'POST' | 'PUT', path: string, data: unknown): Promise<T> {
  const csrf = (await page.context().cookies()).find((cookie) => cookie.name === 'payam_csrf')?.value ?? '';
  const response = await page.request.fetch(path, { method, data, headers: { 'X-CSRF-Token': csrf } });
  expect(response.ok(), `${method} ${path}: ${await response.text()}`).toBeTruthy();
  return (await response.json()) as T;
}

/** Buys the package for the page's person through the sandbox gateway, without the pages. */
export async function buyPackage(page: Page, packageId: number): Promise<void> {
  const started = await apiSend<{ redirect_url: string }>(page, 'POST', '/api/v1/payments/checkout', { package_id: packageId });
  const authority = new URL(started.redirect_url).pathname.split('/').pop() ?? '';
  const approved = await page.request.post(`/api/v1/payments/sandbox/${authority}/approve`);
  expect(approved.ok()).toBeTruthy();
}

/**
 * A campaign of `recipients` made-up numbers, sent by the page's person through a new sandbox
 * number with no pause between messages (they need a package first: `buyPackage`).
 */
export async function runSandboxCampaign(page: Page, recipients = 6): Promise<void> {
  const sender = await apiSend<{ id: number }>(page, 'POST', '/api/v1/senders', { display_name: 'فروش', provider: 'sandbox' });
  const campaign = await apiSend<{ id: number }>(page, 'POST', '/api/v1/campaigns', {
    title: 'جشنواره پاییز',
    message: 'سلام {{name|دوست عزیز}}',
    interval_seconds: 0,
    sender_ids: [sender.id],
  });
  const lines = Array.from({ length: recipients }, (_, index) => `0912000${String(index).padStart(4, '0')}`).join('\n');
  const preview = await apiSend<{ id: number; mapping: unknown }>(page, 'POST', `/api/v1/campaigns/${campaign.id}/imports`, { text: lines });
  await apiSend(page, 'PUT', `/api/v1/imports/${preview.id}/mapping`, preview.mapping);
  await expect
    .poll(async () => ((await (await page.request.get(`/api/v1/imports/${preview.id}`)).json()) as { status: string }).status)
    .toBe('COMPLETED');
  await apiSend(page, 'POST', `/api/v1/campaigns/${campaign.id}/start`, {});
}
