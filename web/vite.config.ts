import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// Served by the service at /console/ (ServeStaticModule); during development, `vite` proxies the API.
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
  server: {
    proxy: Object.fromEntries(
      ['/auth', '/me', '/purposes', '/organisation', '/principals'].map((p) => [p, 'http://localhost:3000']),
    ),
  },
  test: { environment: 'node', include: ['src/**/*.test.ts'] },
});
