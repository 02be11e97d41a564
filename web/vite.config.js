import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Relative asset URLs so dist/ works from any static server and any sub-path.
/**
 * `vite` (the dev server) injects CSS as <style> elements, which the page's strict CSP refuses;
 * only in dev, allow inline styles. The built page keeps `style-src 'self'`.
 */
const devCsp = {
  name: 'redlint-dev-csp',
  apply: 'serve',
  transformIndexHtml: (html) => html.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
};

export default defineConfig({
  base: './',
  plugins: [devCsp],
  resolve: {
    alias: [
      // CodeMirror's style-mod writes its CSS into a <style> element, which a strict
      // `style-src 'self'` refuses; the shim mounts the same rules as a constructed
      // (adopted) stylesheet instead. See src/style-mod-csp.js.
      { find: /^style-mod$/, replacement: fileURLToPath(new URL('./src/style-mod-csp.js', import.meta.url)) },
    ],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The engine's wasm is an asset of its own, never inlined as base64.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
