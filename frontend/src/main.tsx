import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import 'vazirmatn/Vazirmatn-Variable-font-face.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { configureApiClient } from './api/session';
import { App } from './app/App';
import { initI18n } from './i18n';

configureApiClient();
initI18n();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
