import { MantineProvider } from '@mantine/core';
import { render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import type { AuditEntry } from '../../../client';
import { initI18n } from '../../../i18n';
import { AuditTable } from './AuditTable';
import { fa } from './locales';

const ban: AuditEntry = {
  id: 1,
  action: 'admin.user_status_changed',
  actor_id: 1,
  subject_user_id: 2,
  created_at: '2026-12-01T10:00:00Z',
  ip_address: '127.0.0.1',
  request_id: null,
  details: { from: 'ACTIVE', to: 'BANNED', reason: 'spam', paused_campaigns: [7], added_later: true },
} as AuditEntry;

describe('an audit entry', () => {
  it("names what it adds in the reader's language, and a name the app does not know as the API gives it", () => {
    initI18n();
    render(
      <MantineProvider>
        <MemoryRouter>
          <AuditTable entries={[ban]} />
        </MemoryRouter>
      </MantineProvider>,
    );
    const details = screen.getByText((_, element) => element?.tagName === 'P' && element.textContent?.includes('spam') === true);
    expect(details).toHaveTextContent(`${fa.details.reason}: spam`);
    expect(details).toHaveTextContent(`${fa.details.to}: BANNED`);
    expect(details).toHaveTextContent(`${fa.details.paused_campaigns}: [7]`);
    expect(details).toHaveTextContent('added_later: true');
  });
});
