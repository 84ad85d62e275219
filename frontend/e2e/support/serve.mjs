// Starts the real Payam service for the browser tests, serving the web app's build (E2E_DIST) as
// it would in production (its CSP and headers included): a fresh SQLite database and data folder,
// migrated, with the first admin, SMS through the test gateway, and the sandbox WhatsApp and
// payment gateway (the embedded defaults). The folder is removed when the service stops.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const payam = new URL('../../../.venv/bin/payam', import.meta.url).pathname;
const data = mkdtempSync(join(tmpdir(), 'payam-e2e-'));
const env = {
  ...process.env,
  PAYAM_ENVIRONMENT: 'development',
  PAYAM_DATA_DIR: data,
  PAYAM_DATABASE_URL: `sqlite+aiosqlite:///${join(data, 'payam.db')}`,
  PAYAM_PUBLIC_URL: process.env.E2E_WEB_URL,
  PAYAM_WEB_DIR: resolve(process.env.E2E_DIST ?? 'dist'),
  PAYAM_SMS_PROVIDER: 'http',
  PAYAM_SMS_HTTP_URL: `http://127.0.0.1:${process.env.SMS_GATEWAY_PORT}/sms`,
  // Every test signs up from 127.0.0.1: the per-address limits would stop the run, not a person.
  PAYAM_RATE_LIMIT_REGISTER: '1000/hour',
  PAYAM_RATE_LIMIT_LOGIN: '1000/minute',
  PAYAM_RATE_LIMIT_OTP_REQUEST: '1000/15minutes',
  PAYAM_RATE_LIMIT_OTP_VERIFY: '1000/15minutes',
  PAYAM_OTP_RESEND_SECONDS: '1',
  PAYAM_ALLOWED_INTERVALS: '0,5,10,20',
  PAYAM_ADMIN_EMAIL: 'admin@example.com',
  PAYAM_ADMIN_PASSWORD: 'e2e-Admin-pass-4821',
};

function run(...args) {
  const result = spawnSync(payam, args, { env, stdio: 'inherit' });
  if (result.status !== 0) {
    rmSync(data, { recursive: true, force: true });
    process.exit(result.status ?? 1);
  }
}

run('migrate');
run('create-admin', '--if-missing');
const server = spawn(payam, ['serve', '--port', process.env.E2E_API_PORT ?? '8000'], { env, stdio: 'inherit' });
const stop = () => server.kill('SIGTERM');
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
server.on('exit', (code) => {
  rmSync(data, { recursive: true, force: true });
  process.exit(code ?? 0);
});
