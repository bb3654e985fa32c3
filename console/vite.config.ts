/**
 * The console build: a single-page app under /console/ (the API serves
 * console/dist there, with index.html for the app's routes and the same
 * Content Security Policy as the H5 build: no inline script is emitted).
 * `npm run dev -w console` proxies /api to a running API (API_URL, default
 * http://127.0.0.1:3000).
 */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
    // No inline module-preload polyfill: every script is a same-origin file (CSP script-src 'self').
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: { '/api': process.env.API_URL ?? 'http://127.0.0.1:3000' },
    fs: { allow: ['..'] },
  },
});
