// tests/web/sw.test.mjs — the page shell and service worker in headless Chromium.
//
// Serves public/ staged by tools/stage_web.py (as the build does) with a dummy parley.js /
// parley.wasm pair (tests/web/support.mjs) from parley-serve, and checks:
//   1. the shell has what a tablet and a screen reader need (canvas CSS, viewport,
//      aria-live region, IME textarea, manifest); a screenshot goes to
//      build/test-output/shell.png;
//   2. once the worker controls the page, one versioned cache holds the app and nothing
//      from /api/; offline (and with the server gone) the page still boots from the
//      cache, while /api/health fails: it is never cached;
//   3. a half-copied deploy (new parley.js, old parley.wasm) is refused by the worker;
//      a complete one (new build id) installs and waits: parleyUpdate.waiting becomes true,
//      the page keeps running the old pair and is not reloaded (not even by a plain
//      reload) until parleyUpdate.apply(), which reloads into the new version and leaves
//      only its cache.
// Chromium: Debian's /usr/bin/chromium through playwright-core, fresh profile per case.
//
// Run: node --test tests/web/
import { test, describe, before, beforeEach, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT, serveBinOrThrow, stageSite, startServe, tempDir, writeDummyApp } from './support.mjs';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--disable-quic', '--no-first-run', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'];
const SCREENSHOT = path.join(ROOT, 'build', 'test-output', 'shell.png');
const PRECACHE = ['index.html', 'parley.js', 'parley.wasm', 'manifest.webmanifest',
  'icon-192.png', 'icon-512.png', 'apple-touch-icon.png'];
const T = 30000; // generous per wait: 2 cores shared with builds

// One isolated world per case: temp dir, staged site, server, browser profile.
async function setUp(name) {
  serveBinOrThrow();
  const tmp = tempDir(name);
  const app = path.join(tmp, 'app');
  const site = path.join(tmp, 'site');
  let server, build, context;
  try {
    writeDummyApp(app, 1);
    fs.copyFileSync(path.join(app, 'parley.wasm'), path.join(tmp, 'v1.wasm'));
    build = stageSite({ appDir: app, outDir: site });
    server = await startServe(site);
    context = await chromium.launchPersistentContext(path.join(tmp, 'profile'), {
      executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS,
      viewport: { width: 1024, height: 768 }, // an iPad in landscape, in CSS pixels
    });
  } catch (e) {
    if (server) await server.stop('SIGKILL').catch(() => {});
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  const page = context.pages()[0] || await context.newPage();
  const consoleLines = [];
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
  return {
    tmp, app, site, build, server, context, page, consoleLines,
    async tearDown() {
      await context.close().catch(() => {});
      await server.stop('SIGKILL').catch(() => {});
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

async function waitBooted(page, what = 'boot') {
  try {
    await page.waitForFunction(() => document.title === 'booted', null, { timeout: T });
  } catch (e) {
    const title = await page.title().catch(() => '?');
    throw new Error(`page did not ${what} (title ${JSON.stringify(title)}): ${e.message}`);
  }
}

async function waitControlled(page) {
  await page.waitForFunction(() => !!navigator.serviceWorker.controller, null, { timeout: T });
}

// { cacheName: [url pathnames] } for every cache of the origin.
function cacheContents(page) {
  return page.evaluate(async () => {
    const out = {};
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      out[name] = (await cache.keys()).map((r) => new URL(r.url).pathname).sort();
    }
    return out;
  });
}

function fetchFromPage(page, url) {
  return page.evaluate((u) => fetch(u, { cache: 'no-store' }).then(
    async (r) => ({ ok: r.ok, status: r.status, text: await r.text() }),
    (e) => ({ failed: String(e) })), url);
}

describe('page shell and service worker', { timeout: 180000 }, () => {
  let w, setupError;
  // A failed set-up (no server binary, say) fails every test of the case, not zero of them.
  before(async () => { try { w = await setUp('sw-offline'); } catch (e) { setupError = e; } });
  beforeEach(() => { if (setupError) throw setupError; });
  after(async () => { if (w) await w.tearDown(); });

  test('the shell has what a tablet and a screen reader need', async () => {
    const { page, server } = w;
    await page.goto(server.url);
    await waitBooted(page);
    const shell = await page.evaluate(() => {
      const canvas = document.getElementById('canvas');
      const cs = getComputedStyle(canvas);
      const ime = document.getElementById('ime');
      const imeStyle = getComputedStyle(ime);
      const r = canvas.getBoundingClientRect();
      return {
        viewport: document.querySelector('meta[name=viewport]').content,
        themeColor: document.querySelector('meta[name=theme-color]')?.content,
        manifest: document.querySelector('link[rel=manifest]')?.getAttribute('href'),
        appleIcon: document.querySelector('link[rel=apple-touch-icon]')?.getAttribute('href'),
        touchAction: cs.touchAction,
        userSelect: cs.userSelect,
        callout: cs.webkitTouchCallout ?? cs.getPropertyValue('-webkit-touch-callout'),
        canvasBox: [r.width, r.height],
        window: [innerWidth, innerHeight],
        announce: document.getElementById('announce')?.getAttribute('aria-live'),
        mirror: !!document.getElementById('mirror'),
        imeTag: ime.tagName,
        imePosition: imeStyle.position,
        imeOpacity: imeStyle.opacity,
        imeFontSize: imeStyle.fontSize,
        imeAttrs: ['autocapitalize', 'autocorrect', 'autocomplete', 'spellcheck'].map((a) => ime.getAttribute(a)),
        loadingHidden: document.getElementById('loading').hidden,
        build: window.parleyShell.build,
        update: { waiting: window.parleyUpdate.waiting, apply: typeof window.parleyUpdate.apply },
        noscript: !!document.querySelector('noscript'),
      };
    });
    assert.match(shell.viewport, /width=device-width/);
    assert.match(shell.viewport, /initial-scale=1/);
    assert.match(shell.viewport, /viewport-fit=cover/);
    assert.match(shell.themeColor, /^#[0-9a-f]{6}$/i);
    assert.equal(shell.manifest, 'manifest.webmanifest');
    assert.equal(shell.appleIcon, 'apple-touch-icon.png');
    assert.equal(shell.touchAction, 'none');
    assert.equal(shell.userSelect, 'none');
    assert.deepEqual(shell.canvasBox, shell.window, 'canvas fills the viewport');
    assert.equal(shell.announce, 'polite');
    assert.ok(shell.mirror, '#mirror');
    assert.equal(shell.imeTag, 'TEXTAREA');
    assert.equal(shell.imePosition, 'fixed');
    assert.equal(shell.imeOpacity, '0');
    assert.equal(shell.imeFontSize, '16px');
    assert.deepEqual(shell.imeAttrs, ['off', 'off', 'off', 'false']);
    assert.ok(shell.loadingHidden, 'loading message hidden once the runtime started');
    assert.equal(shell.build, w.build);
    assert.deepEqual(shell.update, { waiting: false, apply: 'function' });
    assert.ok(shell.noscript);

    const manifest = await fetchFromPage(page, 'manifest.webmanifest');
    const m = JSON.parse(manifest.text);
    assert.equal(m.name, 'Parley');
    assert.equal(m.display, 'standalone');
    assert.deepEqual(m.icons.map((i) => i.sizes).sort(), ['192x192', '192x192', '512x512', '512x512']);
    assert.ok(m.icons.some((i) => i.purpose.includes('maskable')));

    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
  });

  test('once controlled, one versioned cache holds the app and nothing from /api/', async () => {
    const { page } = w;
    await waitControlled(page);
    await fetchFromPage(page, '/api/health'); // an API call made while controlled
    const caches = await cacheContents(page);
    assert.deepEqual(Object.keys(caches), [`parley-app-${w.build}`]);
    assert.deepEqual(caches[`parley-app-${w.build}`], PRECACHE.map((p) => `/${p}`).sort());
  });

  test('offline, the page boots from the cache and /api/health fails', async () => {
    const { page, context, server } = w;
    await context.setOffline(true);
    try {
      await page.reload();
      await waitBooted(page, 'boot offline');
      assert.equal(await page.evaluate(() => window.parleyDummyVersion), 1);
      const health = await fetchFromPage(page, '/api/health');
      assert.ok(health.failed, `offline /api/health answered ${JSON.stringify(health)}`);
    } finally {
      await context.setOffline(false);
    }
    const online = await fetchFromPage(page, '/api/health');
    assert.deepEqual(JSON.parse(online.text), { ok: true });
    assert.match(server.log(), / GET \/api\/health 200 /);
  });

  test('with the server gone, the app still starts, also from other URLs of the app', async () => {
    const { page, server } = w;
    const { code } = await server.stop('SIGTERM');
    assert.equal(code, 0);
    await page.reload();
    await waitBooted(page, 'boot without a server');
    for (const u of ['index.html?from=home-screen', 'not-a-page.html']) {
      await page.goto(new URL(u, server.url).href);
      await waitBooted(page, `boot at ${u} without a server`);
    }
    const health = await fetchFromPage(page, '/api/health');
    assert.ok(health.failed, `/api/health without a server: ${JSON.stringify(health)}`);
  });
});

describe('start-up failures are shown on the page', { timeout: 120000 }, () => {
  let w, setupError;
  // A failed set-up (no server binary, say) fails every test of the case, not zero of them.
  before(async () => { try { w = await setUp('sw-fail'); } catch (e) { setupError = e; } });
  beforeEach(() => { if (setupError) throw setupError; });
  after(async () => { if (w) await w.tearDown(); });

  // Without the worker, so that page.route sees the requests.
  const CASES = [
    ['parley.js cannot be loaded', (r) => r.fulfill({ status: 404, body: 'no' }), /could not be loaded/],
    ['parley.js throws', (r) => r.fulfill({ status: 200, contentType: 'text/javascript', body: 'throw new Error("boom at start")' }), /boom at start/],
  ];
  for (const [name, handler, message] of CASES) {
    test(name, async () => {
      const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
      try {
        const context = await browser.newContext({ serviceWorkers: 'block' });
        const page = await context.newPage();
        await page.route('**/parley.js', handler);
        await page.goto(w.server.url);
        await page.waitForFunction((re) => new RegExp(re).test(document.getElementById('loading').textContent),
          message.source, { timeout: T });
        const loading = await page.evaluate(() => {
          const el = document.getElementById('loading');
          return { hidden: el.hidden, text: el.textContent };
        });
        assert.equal(loading.hidden, false);
        assert.match(loading.text, /^Parley could not start\./);
      } finally {
        await browser.close();
      }
    });
  }
});

describe('updates wait for parleyUpdate.apply()', { timeout: 180000 }, () => {
  let w, setupError;
  // A failed set-up (no server binary, say) fails every test of the case, not zero of them.
  before(async () => { try { w = await setUp('sw-update'); } catch (e) { setupError = e; } });
  beforeEach(() => { if (setupError) throw setupError; });
  after(async () => { if (w) await w.tearDown(); });

  test('a new version waits, the page is not reloaded, apply() switches both files', async () => {
    const { page, server, app, site, context } = w;
    let navigations = 0;
    page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations += 1; });

    await page.goto(server.url);
    await waitBooted(page);
    await waitControlled(page);
    assert.equal(await page.evaluate(() => window.parleyUpdate.waiting), false);
    await page.evaluate(() => {
      window.marker = 'still the first page';
      window.updateEvents = 0;
      window.addEventListener('parley-update', () => { window.updateEvents += 1; });
    });
    const navigationsBefore = navigations;

    // Deploy version 2 under the running page, first half-copied: the new sw.js and
    // parley.js with the old parley.wasm. The worker must refuse to install that pair.
    writeDummyApp(app, 2);
    const build2 = stageSite({ appDir: app, outDir: site });
    assert.notEqual(build2, w.build);
    fs.copyFileSync(path.join(w.tmp, 'v1.wasm'), path.join(site, 'parley.wasm'));
    const halfDeployed = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.getRegistration();
      await reg.update();
      const worker = reg.installing;
      if (!worker) return 'no worker installing';
      await new Promise((resolve) => {
        const done = () => { if (worker.state === 'redundant' || worker.state === 'installed') resolve(); };
        worker.addEventListener('statechange', done);
        done();
      });
      return worker.state;
    });
    assert.equal(halfDeployed, 'redundant', 'a mismatched parley.js/parley.wasm pair was installed');
    assert.equal(await page.evaluate(() => window.parleyUpdate.waiting), false);
    assert.deepEqual(Object.keys(await cacheContents(page)), [`parley-app-${w.build}`]);

    // The deploy completes.
    assert.equal(stageSite({ appDir: app, outDir: site }), build2);
    await page.evaluate(() => window.parleyUpdate.check());
    await page.waitForFunction(() => window.parleyUpdate.waiting === true, null, { timeout: T });
    const state = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.getRegistration();
      return {
        marker: window.marker, events: window.updateEvents, version: window.parleyDummyVersion,
        hasWaiting: !!reg.waiting, controllerIsActive: navigator.serviceWorker.controller?.scriptURL === reg.active?.scriptURL,
      };
    });
    assert.deepEqual(state, { marker: 'still the first page', events: 1, version: 1, hasWaiting: true, controllerIsActive: true });
    // The old worker keeps answering from the old version's cache: the pair stays matched.
    assert.match((await fetchFromPage(page, 'parley.js')).text, /var VERSION = 1;/);
    assert.deepEqual(Object.keys(await cacheContents(page)).sort(), [`parley-app-${build2}`, `parley-app-${w.build}`].sort());

    // Nothing reloads the page by itself...
    await page.waitForTimeout(1500);
    assert.equal(navigations, navigationsBefore, 'the page navigated without apply()');
    assert.equal(await page.evaluate(() => window.marker), 'still the first page');

    // ...and a plain reload keeps the old version (the new one still waits) and sees it.
    await page.reload();
    await waitBooted(page, 'boot after a plain reload');
    assert.equal(await page.evaluate(() => window.parleyDummyVersion), 1);
    await page.waitForFunction(() => window.parleyUpdate.waiting === true, null, { timeout: T });
    const afterReload = navigations;

    // apply(): SKIP_WAITING, the new worker takes over, the page reloads into version 2.
    const loaded = page.waitForEvent('load', { timeout: T });
    await page.evaluate(() => window.parleyUpdate.apply());
    await loaded;
    await waitBooted(page, 'boot after apply()');
    assert.equal(navigations, afterReload + 1, 'apply() reloads exactly once');
    const after = await page.evaluate(() => ({
      version: window.parleyDummyVersion, build: window.parleyShell.build, waiting: window.parleyUpdate.waiting,
    }));
    assert.deepEqual(after, { version: 2, build: build2, waiting: false });
    const caches = await cacheContents(page);
    assert.deepEqual(Object.keys(caches), [`parley-app-${build2}`], 'old caches deleted on activate');

    // The new version also starts offline.
    await context.setOffline(true);
    try {
      await page.reload();
      await waitBooted(page, 'boot version 2 offline');
      assert.equal(await page.evaluate(() => window.parleyDummyVersion), 2);
    } finally {
      await context.setOffline(false);
    }
    assert.deepEqual(w.consoleLines.filter((l) => /^(error|pageerror)/.test(l)), []);
  });
});
