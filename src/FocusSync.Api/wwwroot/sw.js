// The service worker: keeps the app's own files (its shell) so that the app opens without a network. Each is read
// from the network first, so a new version shows at once when online, and the copy kept is refreshed each time;
// without a network the copy answers. The service's data is never kept here: the page keeps the last known state
// itself, per user, and API requests pass straight through.
const CACHE = 'focussync-shell-v1';
const SHELL = [
  '/',
  '/app.css',
  '/favicon.svg',
  '/manifest.webmanifest',
  '/icons/icon-192.png',
  '/icons/icon-512.png',
  '/js/account.js',
  '/js/alerts.js',
  '/js/analytics.js',
  '/js/auth.js',
  '/js/clock.js',
  '/js/dialogs.js',
  '/js/format.js',
  '/js/main.js',
  '/js/notices.js',
  '/js/settings.js',
  '/js/tab.js',
  '/js/timers.js',
  '/js/view.js',
  '/vendor/chart.umd.min.js',
  '/vendor/focussync-client.js',
  '/vendor/firebase/firebase-app.js',
  '/vendor/firebase/firebase-auth.js',
];
// Files of the shell the list may not name yet (a module added later): kept too once read.
const SHELL_FOLDERS = ['/js/', '/vendor/', '/icons/'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL.map((path) => new Request(path, { cache: 'no-cache' })))).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== location.origin) return;
  const path = url.pathname === '/index.html' ? '/' : url.pathname;
  if (!SHELL.includes(path) && !SHELL_FOLDERS.some((folder) => path.startsWith(folder))) return;
  event.respondWith(fromNetworkElseKept(request, path));
});

async function fromNetworkElseKept(request, path) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(path, response.clone());
    return response;
  } catch (error) {
    const kept = await cache.match(path);
    if (kept) return kept;
    throw error;
  }
}
