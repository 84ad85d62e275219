import { createBody, newSenderValues, updateBody } from './senderForm';

describe('sender form', () => {
  it('sends quiet hours and pauses only when switched on', () => {
    expect(createBody({ ...newSenderValues, display_name: ' Sales ' })).toEqual({
      display_name: 'Sales',
      daily_cap: 500,
      quiet_hours: { start: '22:00', end: '08:00' },
      pause_every: null,
      pause_seconds: null,
      provider: 'sandbox',
      phone: null,
    });
  });

  it('links a WhatsApp Web number without a phone: the scanning phone gives it', () => {
    const body = createBody({ ...newSenderValues, provider: 'web', display_name: 'Shop', phone: '0912' });
    expect(body).toMatchObject({ provider: 'web', phone: null, display_name: 'Shop' });
  });

  it('sends typing only for a WhatsApp Web number, empty as the server default', () => {
    expect(createBody({ ...newSenderValues, provider: 'web', display_name: 'Shop', typing_seconds: 2 })).toMatchObject({ typing_seconds: 2 });
    expect(createBody({ ...newSenderValues, provider: 'web', display_name: 'Shop' })).toMatchObject({ typing_seconds: null });
    expect(updateBody({ ...newSenderValues, provider: 'web', display_name: 'Shop', typing_seconds: 0 })).toMatchObject({ typing_seconds: 0 });
    expect(updateBody({ ...newSenderValues, display_name: 'Sim', typing_seconds: 3 })).not.toHaveProperty('typing_seconds');
  });

  it('clears what was switched off on a change', () => {
    const body = updateBody({ ...newSenderValues, display_name: 'Sales', quiet: false, pause: true });
    expect(body).toMatchObject({ quiet_hours: null, clear_quiet_hours: true, pause_every: 50, clear_pause_every: false });
  });
});
