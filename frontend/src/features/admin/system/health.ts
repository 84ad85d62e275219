/** How a part of the platform is: fine, worth a look, or failing. */
export type Health = 'ok' | 'warning' | 'down';

// Sends due longer than this are late enough to look at; five times as long, something is stuck.
const LATE_SECONDS = 60;

/** The database's and Redis's answers: "ok", or the error met. */
export function healthOf(answer: string): Health {
  return answer === 'ok' ? 'ok' : 'down';
}

/** How late due sends (or scheduled starts) are. */
export function lagHealth(seconds: number): Health {
  if (seconds < LATE_SECONDS) return 'ok';
  return seconds < 5 * LATE_SECONDS ? 'warning' : 'down';
}
