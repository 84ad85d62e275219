import { MantineProvider } from '@mantine/core';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { ApiError } from '../../../api/problem';
import type { Problem } from '../../../client';
import { initI18n } from '../../../i18n';
import { ConfirmWithReason } from './ConfirmWithReason';
import { fa } from './locales';

const lastSuperAdmin = {
  type: 'https://payam.app/problems/conflict',
  title: 'This conflicts with existing data',
  status: 409,
  detail: 'This is the last active super admin',
  errors: [{ field: 'body.role', reason: 'This is the last active super admin' }],
} as Problem;

function show(onConfirm: (reason: string) => Promise<unknown>, reason?: 'required' | 'optional' | 'none') {
  initI18n();
  render(
    <MantineProvider>
      <ConfirmWithReason label="مسدود کردن" title="مسدود کردن مریم؟" body="از همه جا خارج می‌شود." confirmLabel="بله" done="انجام شد" reason={reason} maxLength={10} onConfirm={onConfirm} />
    </MantineProvider>,
  );
  fireEvent.click(screen.getByRole('button', { name: 'مسدود کردن' }));
}

describe('confirming an admin action with a reason', () => {
  it('asks for a reason the API would accept before doing anything, and sends it trimmed', async () => {
    const onConfirm = vi.fn(() => Promise.resolve());
    show(onConfirm);
    fireEvent.click(await screen.findByRole('button', { name: 'بله' }));
    expect(await screen.findByText(fa.reason.required)).toBeInTheDocument();
    const reason = screen.getByLabelText(fa.reason.label, { exact: false });
    fireEvent.change(reason, { target: { value: 'far too long a reason' } });
    fireEvent.click(screen.getByRole('button', { name: 'بله' }));
    expect(await screen.findByText(fa.reason.tooLong.replace('{{max}}', '10'))).toBeInTheDocument();
    expect(onConfirm).not.toHaveBeenCalled();

    fireEvent.change(reason, { target: { value: '  spam  ' } });
    fireEvent.click(screen.getByRole('button', { name: 'بله' }));
    await waitFor(() => expect(onConfirm).toHaveBeenCalledWith('spam'));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it("keeps the dialog open with the API's refusal, in the reader's words", async () => {
    show(() => Promise.reject(new ApiError(409, lastSuperAdmin)), 'none');
    fireEvent.click(await screen.findByRole('button', { name: 'بله' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(fa.refusals['This is the last active super admin'] ?? '');
    expect(screen.getByRole('dialog')).toBeInTheDocument();
  });
});

describe('cancelling an admin action', () => {
  it('forgets the reason typed and what was picked, so the next opening starts afresh', async () => {
    const onClose = vi.fn();
    initI18n();
    render(
      <MantineProvider>
        <ConfirmWithReason label="مسدود کردن" title="مسدود کردن مریم؟" body="از همه جا خارج می‌شود." confirmLabel="بله" done="انجام شد" onConfirm={() => Promise.resolve()} onClose={onClose} />
      </MantineProvider>,
    );
    fireEvent.click(screen.getByRole('button', { name: 'مسدود کردن' }));
    fireEvent.change(await screen.findByLabelText(fa.reason.label, { exact: false }), { target: { value: 'spam' } });
    fireEvent.click(screen.getByRole('button', { name: 'انصراف' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(onClose).toHaveBeenCalledOnce();

    fireEvent.click(screen.getByRole('button', { name: 'مسدود کردن' }));
    expect(await screen.findByLabelText(fa.reason.label, { exact: false })).toHaveValue('');
  });
});
