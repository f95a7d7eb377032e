// public/sw.js — Parley's service worker: the app loads offline, always as one version.
//
// Model (web-client brief, items 14-15):
//  - One version = one cache, named after the build id that tools/stage_web.py writes in
//    place of the BUILD placeholder. Install fetches every file of the app (shell, parley.js,
//    parley.wasm, manifest, icons) past the HTTP cache, checks each against the sha256 the
//    staging script recorded (a half-copied deploy must not be cached as a version), and
//    only then writes them all. parley.js and parley.wasm therefore always come from the
//    same build: a mismatched pair fails with a LinkError (emscripten #23239).
//  - App files are served cache-first from this worker's own cache, never another's.
//  - /api/ is never intercepted: network only, never cached.
//  - Navigations to the app get the cached index.html; other navigations go to the network
//    and fall back to the cached index.html when it cannot be reached.
//  - A new version installs and then waits (no skipWaiting) until a page posts
//    {type: "SKIP_WAITING"}: the page does so only after its database is flushed and the
//    user chose "Reload to update". Activation deletes the caches of older versions.
'use strict';

const BUILD = '__PARLEY_BUILD__';
const CACHE_PREFIX = 'parley-app-';
const CACHE = CACHE_PREFIX + BUILD;

// Paths relative to the worker's scope. index.html first: navigations are answered with it.
const PRECACHE = [
  'index.html',
  'parley.js',
  'parley.wasm',
  'manifest.webmanifest',
  'icon-192.png',
  'icon-512.png',
  'apple-touch-icon.png',
];

// path -> sha256 (hex) of the file as deployed. Written by tools/stage_web.py; empty in
// an unstaged copy, in which case nothing is checked.
const DIGESTS = {/*__PARLEY_DIGESTS__*/};

const SCOPE = new URL(self.registration.scope);
const INDEX_URL = new URL('index.html', SCOPE).href;
const APP_URLS = new Set(PRECACHE.map((p) => new URL(p, SCOPE).href));
// The API lives at /api/ on this origin (and at api/ under the scope, if the app is ever
// served from a sub-path).
const API_PATHS = ['/api/', new URL('api/', SCOPE).pathname];

function isApi(url) {
  return API_PATHS.some((p) => url.pathname === p.slice(0, -1) || url.pathname.startsWith(p));
}

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
}

async function fetchChecked(path) {
  const url = new URL(path, SCOPE).href;
  // 'no-cache': use the HTTP cache only after the server confirms it is current (ETag, a
  // 304), so the files the page itself just downloaded are not downloaded a second time,
  // and a stale parley.js or parley.wasm can never enter this version's cache (the digest
  // check below would refuse it anyway).
  const res = await fetch(url, { cache: 'no-cache', credentials: 'same-origin' });
  if (!res.ok) throw new Error(`precache ${path}: HTTP ${res.status}`);
  const body = await res.arrayBuffer();
  const want = DIGESTS[path];
  if (want) {
    const got = hex(await crypto.subtle.digest('SHA-256', body));
    if (got !== want) throw new Error(`precache ${path}: sha256 ${got}, build ${BUILD} expects ${want}`);
  }
  // A fresh Response: keeps status and headers (Content-Type matters for
  // WebAssembly.instantiateStreaming) and drops any "redirected" flag, which a navigation
  // answered from the cache must not carry.
  return [url, new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers })];
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    // Everything is fetched and checked before anything is written: a failed install
    // leaves no partial version behind, and the browser retries on its next update check.
    // The cache name is unique to this content (the build id is a content hash), so a
    // cache of the same name can only hold these same files.
    const entries = await Promise.all(PRECACHE.map(fetchChecked));
    const cache = await caches.open(CACHE);
    await Promise.all(entries.map(([url, res]) => cache.put(url, res)));
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names
      .filter((n) => n.startsWith(CACHE_PREFIX) && n !== CACHE)
      .map((n) => caches.delete(n)));
    // Control pages opened before the first install, so the first visit already works
    // offline after it. An update only gets here after SKIP_WAITING, which a page sends
    // when it is ready to reload.
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'SKIP_WAITING') self.skipWaiting();
});

async function fromCache(url) {
  const cache = await caches.open(CACHE);
  return cache.match(url);
}

async function appFile(request) {
  const hit = await fromCache(request.url);
  // A miss means the cache was evicted under storage pressure; the network is all we have.
  return hit || fetch(request);
}

async function navigation(request, url) {
  const path = url.pathname;
  if (path === SCOPE.pathname || url.href.split(/[?#]/)[0] === INDEX_URL) {
    const hit = await fromCache(INDEX_URL);
    if (hit) return hit;
    return fetch(request);
  }
  try {
    return await fetch(request);
  } catch (err) {
    const hit = await fromCache(INDEX_URL);
    if (hit) return hit;
    throw err;
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== SCOPE.origin) return;
  if (isApi(url)) return; // not intercepted: straight to the network, never cached
  if (request.mode === 'navigate') {
    event.respondWith(navigation(request, url));
  } else if (APP_URLS.has(request.url)) {
    event.respondWith(appFile(request));
  }
});
