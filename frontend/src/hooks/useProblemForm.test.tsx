import { useForm } from '@mantine/form';
import { act, renderHook } from '@testing-library/react';
import { ApiError } from '../api/problem';
import { useProblemForm } from './useProblemForm';

const conflict = {
  type: 'https://payam.app/problems/invalid-input',
  title: 'The input is not valid',
  status: 422,
  detail: 'The input is not valid',
  instance: '/api/v1/auth/register',
  errors: [{ field: 'body.username', reason: 'already taken' }],
};

function setUp() {
  return renderHook(() => {
    const form = useForm({ initialValues: { username: '', email: '' } });
    return { form, showProblem: useProblemForm(form) };
  });
}

describe('useProblemForm', () => {
  it('puts a field reason under its input and leaves no sentence for the form', () => {
    const { result } = setUp();
    let sentence: string | null = 'unset';
    act(() => {
      sentence = result.current.showProblem(new ApiError(422, conflict));
    });
    expect(sentence).toBeNull();
    expect(result.current.form.errors).toEqual({ username: 'already taken' });
  });

  it('says the rest as a sentence when a reason names no input of the form', () => {
    const { result } = setUp();
    let sentence: string | null = null;
    const problem = { ...conflict, errors: [{ field: 'body.phone', reason: 'not a number' }] };
    act(() => {
      sentence = result.current.showProblem(new ApiError(422, problem));
    });
    expect(sentence).toBe('The input is not valid');
    expect(result.current.form.errors).toEqual({});
  });
});
