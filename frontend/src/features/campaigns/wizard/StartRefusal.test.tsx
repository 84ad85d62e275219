import { MantineProvider } from '@mantine/core';
import { render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { ApiError } from '../../../api/problem';
import type { Problem } from '../../../client';
import { initI18n } from '../../../i18n';
import { fa } from '../locales';
import { StartRefusal } from './StartRefusal';

function problem(status: number, field: string | null, reason: string): Problem {
  return { type: 'about:blank', title: 'Refused', status, detail: reason, errors: [{ field, reason }] } as Problem;
}

function show(error: unknown, onStep = vi.fn()) {
  initI18n();
  render(
    <MantineProvider>
      <MemoryRouter>
        <StartRefusal error={error} onStep={onStep} />
      </MemoryRouter>
    </MantineProvider>,
  );
  return onStep;
}

describe('a refused start', () => {
  it('says in Persian that there is no package, and links to buying one', () => {
    show(new ApiError(402, problem(402, null, 'NO_SUBSCRIPTION')));
    expect(screen.getByRole('alert')).toHaveTextContent(fa.refusal.NO_SUBSCRIPTION);
    expect(screen.getByRole('link', { name: fa.review.fixQuota })).toHaveAttribute('href', '/billing');
  });

  it('sends the person back to the step that fixes a missing number', () => {
    const onStep = show(new ApiError(409, problem(409, 'sender_ids', 'Link a WhatsApp number')));
    expect(screen.getByRole('alert')).toHaveTextContent(fa.refusal.sender_ids);
    screen.getByRole('button', { name: fa.review.fixNumbers }).click();
    expect(onStep).toHaveBeenCalledWith(2);
  });

  it('shows any other reason as the API gave it', () => {
    show(new ApiError(409, problem(409, 'status', 'A running campaign cannot start')));
    expect(screen.getByRole('alert')).toHaveTextContent('A running campaign cannot start');
  });
});
