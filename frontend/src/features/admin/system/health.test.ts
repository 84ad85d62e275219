import { healthOf, lagHealth } from './health';

describe('system health', () => {
  it('is down when the database or Redis answers with an error', () => {
    expect(healthOf('ok')).toBe('ok');
    expect(healthOf('error: ConnectionError')).toBe('down');
  });

  it('grows worse as due sends wait longer', () => {
    expect(lagHealth(0)).toBe('ok');
    expect(lagHealth(59)).toBe('ok');
    expect(lagHealth(60)).toBe('warning');
    expect(lagHealth(300)).toBe('down');
  });
});
