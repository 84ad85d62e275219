import { initI18n } from '../../i18n';
import { actionsFor, describeStatusReason, isFinished } from './status';

describe('campaign actions', () => {
  it('offers what the API allows in each status', () => {
    expect(actionsFor('DRAFT', false)).toEqual(['edit', 'delete']);
    expect(actionsFor('RUNNING', true)).toEqual(['pause', 'cancel']);
    expect(actionsFor('PAUSED', true)).toEqual(['resume', 'cancel', 'retry']);
    expect(actionsFor('COMPLETED', false)).toEqual(['duplicate', 'delete']);
    expect(actionsFor('FAILED', true)).toEqual(['duplicate', 'retry', 'delete']);
  });

  it('knows which campaigns are over', () => {
    expect(isFinished('CANCELLED')).toBe(true);
    expect(isFinished('READY')).toBe(false);
  });
});

describe("a campaign's status reason", () => {
  it("says an admin's pause, cancel, ban or suspension in the reader's language, keeping the admin's words", () => {
    const t = initI18n().getFixedT('fa');
    expect(describeStatusReason('Paused by an admin: too many complaints', t)).toBe('مدیر سامانه متوقفش کرد: too many complaints');
    expect(describeStatusReason('Paused: this account was banned: ارسال هرزنامه', t)).toBe('متوقف شد، چون حساب شما مسدود شد: ارسال هرزنامه');
    expect(describeStatusReason('Paused: this account was deactivated', t)).toBe('متوقف شد، چون حساب شما غیرفعال شد');
    expect(describeStatusReason('Paused: WhatsApp number +98 912 000 was suspended by an admin: spam: reported', t)).toBe(
      'متوقف شد، چون مدیر سامانه شمارهٔ +98 912 000 را تعلیق کرد: spam: reported',
    );
    expect(describeStatusReason('Paused by you', t)).toBe('شما متوقفش کردید');
    expect(describeStatusReason('Something new the app does not know', t)).toBe('Something new the app does not know');
  });
});
