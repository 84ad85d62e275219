import { ApiError } from './problem';

const problem = {
  type: 'https://payam.app/problems/conflict',
  title: 'This conflicts with existing data',
  status: 409,
  detail: 'Another account already uses this email',
  instance: '/api/v1/auth/register',
  errors: [
    { field: 'body.email', reason: 'already in use: email' },
    { field: null, reason: 'the request as a whole' },
  ],
};

describe('ApiError', () => {
  it('names each field at fault by its last segment', () => {
    expect(new ApiError(409, problem).fieldErrors).toEqual({ email: 'already in use: email' });
  });

  it('sums up with the reason for the request as a whole, else the detail', () => {
    expect(new ApiError(409, problem).summary).toBe('the request as a whole');
    expect(new ApiError(409, { ...problem, errors: [] }).summary).toBe(problem.detail);
  });
});
