import { MantineProvider } from '@mantine/core';
import type { ComponentProps } from 'react';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { ApiError } from '../../../api/problem';
import type { Problem } from '../../../client';
import { initI18n } from '../../../i18n';
import { fa } from './locales';
import { newPackageValues } from './packageForm';
import { PackageForm } from './PackageForm';

const refusal = {
  type: 'https://payam.app/problems/invalid-input',
  title: 'The input is not valid',
  status: 422,
  detail: 'The input is not valid',
  errors: [{ field: 'body.price', reason: 'Input should be less than or equal to 9999999999999999' }],
} as Problem;

function show(onSubmit: ComponentProps<typeof PackageForm>['onSubmit'] = vi.fn()) {
  initI18n();
  render(
    <MantineProvider>
      <PackageForm initialValues={{ ...newPackageValues, title: 'Gold', price: 1000 }} currency="ریال" submitLabel="ساختن" pending={false} onSubmit={onSubmit} />
    </MantineProvider>,
  );
  return onSubmit;
}

describe('the package form', () => {
  it('sends nothing while an input is wrong, and says what to write under it', async () => {
    const onSubmit = show();
    fireEvent.change(screen.getByLabelText(fa.form.title, { exact: false }), { target: { value: ' ' } });
    fireEvent.click(screen.getByRole('button', { name: 'ساختن' }));
    expect(await screen.findByText(fa.validation.title)).toBeInTheDocument();
    expect(onSubmit).not.toHaveBeenCalled();
  });

  it("puts the API's reason for a field under its input", async () => {
    show((_values, onError) => onError(new ApiError(422, refusal)));
    fireEvent.click(screen.getByRole('button', { name: 'ساختن' }));
    const price = screen.getByLabelText('قیمت (ریال)', { exact: false });
    await waitFor(() => expect(price).toHaveAccessibleDescription(/less than or equal/));
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
