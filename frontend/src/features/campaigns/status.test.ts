import { actionsFor, isFinished } from './status';

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
