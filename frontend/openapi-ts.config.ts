import { defineConfig } from '@hey-api/openapi-ts';

// The API client is generated from the service's schema; never edit src/client by hand.
export default defineConfig({
  input: '../docs/openapi.json',
  output: { path: 'src/client' },
  plugins: [
    { name: '@hey-api/client-fetch', throwOnError: true },
    '@hey-api/typescript',
    '@hey-api/sdk',
    '@tanstack/react-query',
  ],
});
