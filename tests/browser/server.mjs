// A tiny static server for the built page (web/dist), on 127.0.0.1 and an ephemeral port.
// It adds no headers that could change what the page asks for: the page's own
// Content-Security-Policy (a <meta> in index.html) is served untouched. `.wasm` gets
// `application/wasm`, which WebAssembly.instantiateStreaming requires.
//
// Standalone: `node tests/browser/server.mjs web/dist` prints the URL and serves until killed.
import http from 'node:http';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** MIME types of everything a Vite build emits; anything else is served as bytes. */
const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.md': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.woff2': 'font/woff2',
};

/** The file under `root` a URL path names, or null when it would leave `root`. */
function resolveUnder(root, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  const file = path.resolve(root, '.' + path.posix.normalize('/' + decoded));
  return file === root || file.startsWith(root + path.sep) ? file : null;
}

async function serveFile(root, req, res) {
  const url = new URL(req.url, 'http://127.0.0.1');
  let file = resolveUnder(root, url.pathname);
  if (file === null) return send(res, 403, 'outside the served directory');
  let stat = await fs.stat(file).catch(() => null);
  if (stat?.isDirectory()) {
    file = path.join(file, 'index.html');
    stat = await fs.stat(file).catch(() => null);
  }
  if (!stat?.isFile()) return send(res, 404, `not found: ${url.pathname}`);
  const body = await fs.readFile(file);
  res.writeHead(200, {
    'Content-Type': MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': body.length,
    'Cache-Control': 'no-cache',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function send(res, status, text) {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text + '\n');
}

/**
 * Serves `root` on 127.0.0.1 at an ephemeral port.
 * Returns `{ url, origin, served, close() }`; `served` lists every path asked for, in order.
 */
export async function startServer(root) {
  const absRoot = path.resolve(root);
  const served = [];
  const server = http.createServer((req, res) => {
    served.push(`${req.method} ${req.url}`);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'GET only');
    serveFile(absRoot, req, res).catch((err) => send(res, 500, String(err)));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    url: origin + '/',
    served,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = process.argv[2] ?? 'web/dist';
  const { url } = await startServer(root);
  console.log(`serving ${root} at ${url}`);
}
