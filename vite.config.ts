/**
 * Builds the web app (src/web) into dist/web, which the server serves at `/` (src/server/platform/http/web-static.ts).
 * Routes are split per screen (React.lazy), so the main chunk holds only the shell, the router and the data layer.
 * `npm run dev:web` proxies /api to a running `switchboard serve` on SWITCHBOARD_DEV_API (default 127.0.0.1:3000).
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('./src/web', import.meta.url));
const outDir = fileURLToPath(new URL('./dist/web', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    assetsDir: 'assets',
    chunkSizeWarningLimit: 600,
    rollupOptions: {
      // zod's own /* @__PURE__ */ placement notes are noise, not problems of this app.
      onwarn(warning, warn) {
        if (warning.code === 'INVALID_ANNOTATION') return;
        warn(warning);
      },
    },
  },
  server: {
    proxy: {
      '/api': process.env.SWITCHBOARD_DEV_API ?? 'http://127.0.0.1:3000',
    },
  },
});
