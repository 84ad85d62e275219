import { client } from '../client/client.gen';
import { toApiError } from './problem';

const CSRF_COOKIE = 'payam_csrf';
const CSRF_HEADER = 'X-CSRF-Token';
const REFRESH_URL = '/api/v1/auth/refresh';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
// Answers from these mean "wrong credentials", not "session expired": never refresh for them.
const NO_REFRESH_PATHS = ['/api/v1/auth/login', '/api/v1/auth/refresh', '/api/v1/auth/otp/', '/api/v1/auth/register'];

type Listener = () => void;
const endedListeners = new Set<Listener>();

/** Called when the session is gone for good (refresh refused): the app shows the sign-in page. */
export function onSessionEnded(listener: Listener): () => void {
  endedListeners.add(listener);
  return () => endedListeners.delete(listener);
}

export function announceSessionEnded(): void {
  for (const listener of endedListeners) listener();
}

export function readCookie(name: string): string | null {
  const prefix = `${name}=`;
  const found = document.cookie.split('; ').find((part) => part.startsWith(prefix));
  return found ? decodeURIComponent(found.slice(prefix.length)) : null;
}

function withCsrf(request: Request): Request {
  const token = readCookie(CSRF_COOKIE);
  if (!SAFE_METHODS.has(request.method) && token) request.headers.set(CSRF_HEADER, token);
  return request;
}

let refreshing: Promise<boolean> | null = null;

/** One refresh at a time, however many requests found the access token expired together. */
function refreshSession(): Promise<boolean> {
  refreshing ??= fetch(REFRESH_URL, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', [CSRF_HEADER]: readCookie(CSRF_COOKIE) ?? '' },
    body: JSON.stringify({ use_cookies: true }),
  })
    .then((response) => response.ok)
    .catch(() => false)
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

/** fetch with the session cookies, the CSRF header, and one silent refresh on a 401. */
export async function sessionFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const request = new Request(input, init);
  const retry = request.clone();
  const response = await fetch(withCsrf(request));
  const path = new URL(request.url).pathname;
  if (response.status !== 401 || NO_REFRESH_PATHS.some((prefix) => path.startsWith(prefix))) {
    return response;
  }
  if (await refreshSession()) return fetch(withCsrf(retry));
  announceSessionEnded();
  return response;
}

export function configureApiClient(): void {
  client.setConfig({ baseUrl: '', credentials: 'same-origin', fetch: sessionFetch });
  client.interceptors.error.use((body, response) => toApiError(body, response));
}
