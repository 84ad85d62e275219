import { defineConfig, devices } from '@playwright/test';
import { createServer } from 'node:net';

// Browser tests against the real service. Nothing here downloads a browser: Debian's Chromium
// drives them (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1; never `playwright install`).

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

// Chosen once by the runner; its workers inherit them through the environment.
process.env.E2E_API_PORT ??= String(await freePort());
process.env.SMS_GATEWAY_PORT ??= String(await freePort());
const webUrl = `http://127.0.0.1:${process.env.E2E_API_PORT}`;
process.env.E2E_WEB_URL = webUrl;
const chromium = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
};

export default defineConfig({
  testDir: './e2e',
  // Two runs at once (two people, or CI beside a developer) each keep their own results.
  outputDir: process.env.E2E_OUTPUT_DIR ?? 'test-results',
  fullyParallel: true,
  workers: 2,
  retries: process.env.CI ? 1 : 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: {
    baseURL: webUrl,
    launchOptions: chromium,
    trace: 'retain-on-failure',
    locale: 'fa-IR',
    timezoneId: 'Asia/Tehran',
  },
  projects: [
    { name: 'desktop', use: { ...devices['Desktop Chrome'], launchOptions: chromium } },
    { name: 'phone', use: { ...devices['Pixel 7'], launchOptions: chromium }, grep: /@phone/ },
  ],
  webServer: [
    {
      command: 'node e2e/support/sms-gateway.mjs',
      url: `http://127.0.0.1:${process.env.SMS_GATEWAY_PORT}/`,
      reuseExistingServer: false,
    },
    {
      // `payam serve` with the build (E2E_DIST, else dist/) at /, as `make run` serves it.
      command: 'node e2e/support/serve.mjs',
      url: `${webUrl}/healthz`,
      reuseExistingServer: false,
      timeout: 60_000,
    },
  ],
});
