// Offline cache for the page's own assets (same origin only; nothing else is ever fetched).
// Content-hashed files under assets/ (the scripts, styles and the engine) are served from the
// cache once fetched; everything else (the page, rule pages) goes to the network first, so a
// new build is picked up, and falls back to the cache when offline.
const CACHE = 'redlint-v1';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

function fetchAndKeep(req) {
  return fetch(req).then((res) => {
    if (res.ok) {
      const copy = res.clone();
      caches.open(CACHE).then((c) => c.put(req, copy));
    }
    return res;
  });
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.includes('/assets/')) {
    event.respondWith(caches.match(req).then((hit) => hit || fetchAndKeep(req)));
    return;
  }
  event.respondWith(fetchAndKeep(req).catch(() =>
    caches.match(req, { ignoreSearch: true }).then((hit) => hit || Response.error())));
});
