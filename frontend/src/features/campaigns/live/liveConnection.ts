import { readMeApiV1UsersMeGet } from '../../../client';
import { applyLiveMessage, emptyLiveState, type LiveMessage, type LiveState } from './liveState';

// One WebSocket per tab, open while some screen listens. It closes with 4401 when the session
// ended or the access token expired: one API call refreshes the session silently, then it reconnects.
const NOT_AUTHENTICATED = 4401;
const ACCOUNT_UNAVAILABLE = 4403;
const TOO_MANY = 4429;
const MAX_DELAY_MS = 15_000;

export interface LiveSnapshot {
  state: LiveState;
  connected: boolean;
}

type Listener = () => void;

let snapshot: LiveSnapshot = { state: emptyLiveState, connected: false };
const listeners = new Set<Listener>();
let socket: WebSocket | null = null;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let failures = 0;

function publish(next: LiveSnapshot): void {
  snapshot = next;
  for (const listener of listeners) listener();
}

function socketUrl(): string {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${window.location.host}/api/v1/ws`;
}

function scheduleReconnect(): void {
  if (listeners.size === 0) return;
  const delay = Math.min(MAX_DELAY_MS, 500 * 2 ** failures);
  failures += 1;
  retryTimer = setTimeout(connect, delay);
}

async function renewSessionThenReconnect(): Promise<void> {
  // Any API call refreshes an expired access token (src/api/session.ts); a dead session ends there.
  try {
    await readMeApiV1UsersMeGet();
    scheduleReconnect();
  } catch {
    // Signed out: the session watcher takes the person to the sign-in page.
  }
}

function connect(): void {
  const opened = new WebSocket(socketUrl());
  socket = opened;
  opened.onopen = () => {
    failures = 0;
    publish({ ...snapshot, connected: true });
  };
  opened.onmessage = (event: MessageEvent<string>) => {
    const message = JSON.parse(event.data) as LiveMessage;
    const state = applyLiveMessage(snapshot.state, message, Date.now());
    if (state !== snapshot.state) publish({ ...snapshot, state });
  };
  opened.onclose = (event) => {
    if (socket !== opened) return;
    socket = null;
    publish({ ...snapshot, connected: false });
    if (event.code === NOT_AUTHENTICATED) void renewSessionThenReconnect();
    else if (event.code !== ACCOUNT_UNAVAILABLE && event.code !== TOO_MANY) scheduleReconnect();
  };
}

function disconnect(): void {
  clearTimeout(retryTimer);
  const closing = socket;
  socket = null;
  closing?.close();
  snapshot = { ...snapshot, connected: false };
}

export function subscribeLive(listener: Listener): () => void {
  listeners.add(listener);
  if (listeners.size === 1) connect();
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) disconnect();
  };
}

export function liveSnapshot(): LiveSnapshot {
  return snapshot;
}
