// tests/web/harness.mjs — drives the Parley web client in Debian's headless Chromium
// through the same paths a person uses: finger taps on the canvas (found through the
// hidden DOM mirror, which gives each widget's rectangle), finger drags to scroll, and
// typing into the hidden textarea that raises the on-screen keyboard.
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { mkdtempSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import net from 'node:net';

export const ROOT = resolve(new URL('../..', import.meta.url).pathname);
export const SERVE_BIN = process.env.PARLEY_SERVE_BIN || join(ROOT, 'build/native-debug/tools/serve/parley-serve');
export const WEB_ROOT = process.env.PARLEY_WEB_ROOT || join(ROOT, 'build/web/public');
export const OUTPUT = process.env.PARLEY_TEST_OUTPUT || join(ROOT, 'build/test-output');

// The passphrase of every store a test makes: the first line of PARLEY_PASSPHRASE_FILE
// (tools/test makes one for the whole run, and the CLI encrypts the stores seed.mjs builds
// with it), so a seeded store and one made at the Welcome door open with the same words.
// Run on its own (not through tools/test), a test makes that file itself, for the CLI and
// tests/fixtures/make_store.cpp it starts too.
export const PASSPHRASE = (() => {
  if (!process.env.PARLEY_PASSPHRASE_FILE) {
    const file = join(mkdtempSync(join(tmpdir(), 'parley-passphrase-')), 'passphrase');
    writeFileSync(file, 'test suite passphrase\n', { mode: 0o600 });
    process.env.PARLEY_PASSPHRASE_FILE = file;
  }
  return readFileSync(process.env.PARLEY_PASSPHRASE_FILE, 'utf8').split('\n')[0].replace(/\r$/, '');
})();

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--disable-quic', '--no-first-run', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'];

export function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); });
    s.on('error', rej);
  });
}

export async function startServer() {
  if (!existsSync(SERVE_BIN)) throw new Error(`server binary missing: ${SERVE_BIN} (build it first: tools/test does)`);
  if (!existsSync(join(WEB_ROOT, 'parley.wasm'))) throw new Error(`web build missing in ${WEB_ROOT}`);
  const port = await freePort();
  const proc = spawn(SERVE_BIN, ['--root', WEB_ROOT, '--listen', `127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (d) => { log += d; });
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 100; i++) {
    try { const r = await fetch(url + 'api/health'); if (r.ok) break; } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, port, proc, log: () => log, stop: () => new Promise((r) => { proc.once('exit', r); proc.kill('SIGTERM'); }) };
}

// A persistent profile (IndexedDB and the service worker survive a browser restart).
export async function launch(profileDir, { width = 820, height = 1180, dpr = 2 } = {}) {
  const dir = profileDir || mkdtempSync(join(tmpdir(), 'parley-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS,
    viewport: { width, height }, deviceScaleFactor: dpr, hasTouch: true, isMobile: false,
  });
  return { context, dir };
}

export async function ready(page) {
  await page.waitForFunction(() => globalThis.parleyIsReady === true && globalThis.parleyMirror, null, { timeout: 30000 });
}

export async function mirror(page) {
  return page.evaluate(() => globalThis.parleyMirror);
}

// The mirror once it has stopped changing: a popup's first frame is laid out before it is
// placed, so a rectangle read then would be wrong.
export async function settled(page) {
  let prev = JSON.stringify(await mirror(page));
  for (let i = 0; i < 40; i++) {
    await page.waitForTimeout(60);
    const cur = JSON.stringify(await mirror(page));
    if (cur === prev) return JSON.parse(cur);
    prev = cur;
  }
  return JSON.parse(prev);
}

// Waits until the mirror has an item matching `label` (exact, or a RegExp) and returns it.
export async function find(page, label, { role, timeout = 10000 } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    last = await settled(page);
    const item = last && last.items.find((it) => (role ? it.role === role : true) &&
      (label instanceof RegExp ? label.test(it.label) : it.label === label));
    if (item) return item;
    await page.waitForTimeout(50);
  }
  throw new Error(`no "${label}" on screen ${last && last.screen}: ${last && last.items.map((i) => i.label).join(' | ')}`);
}

export async function screen(page, name, timeout = 10000) {
  await page.waitForFunction((n) => globalThis.parleyMirror && globalThis.parleyMirror.screen === n, name, { timeout });
}

// A finger drag on the canvas from (x, y) by dy CSS pixels, through CDP touch events.
export async function drag(page, x, y, dy, steps = 8) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x, y }] });
  for (let i = 1; i <= steps; i++)
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x, y: y + (dy * i) / steps }] });
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
  await page.waitForTimeout(120);
}

// Scrolls by finger until the item is comfortably inside the viewport, then returns it.
export async function reveal(page, label, opts = {}) {
  const vh = page.viewportSize().height;
  for (let i = 0; i < 30; i++) {
    const it = await find(page, label, opts);
    const mid = it.y + it.h / 2;
    if (mid > 90 && mid < vh - 160) return it;
    await drag(page, page.viewportSize().width / 2, vh / 2, mid > vh / 2 ? -Math.min(400, mid - vh / 2) : 300);
  }
  throw new Error(`could not scroll "${label}" into view`);
}

export async function tap(page, label, opts = {}) {
  const it = await reveal(page, label, opts);
  await page.touchscreen.tap(it.x + it.w / 2, it.y + it.h / 2);
  await page.waitForTimeout(150);
}

// The challenge screen offers the actions that fit the stage first and keeps the rest
// under "More actions" (ui/screen_challenge.cpp): opens it unless it is open already.
export async function moreActions(page) {
  const m = await settled(page);
  if (!m.items.some((i) => i.role === 'button' && i.label === 'Hide more actions')) await tap(page, 'More actions', { role: 'button' });
  await find(page, 'Hide more actions', { role: 'button' });
}

// Taps a text field (raising the on-screen keyboard through the hidden textarea), then
// types into it as a keyboard would.
export async function type(page, label, text) {
  await tap(page, label, { role: 'textbox' });
  const focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
  if (focused !== 'ime') throw new Error(`tapping "${label}" did not focus the keyboard field (focused: ${focused})`);
  await page.keyboard.type(text, { delay: 5 });
  await page.waitForTimeout(100);
  const it = await find(page, label, { role: 'textbox' });
  // A secret field's (passphrase, PIN) mirror holds one bullet per character, never the secret.
  if (it.value !== text && it.value !== '\u2022'.repeat([...text].length))
    throw new Error(`"${label}" holds "${it.value}", expected "${text}"`);
}

// Text entry as an on-screen keyboard delivers it: tap the field (which must focus the
// hidden textarea), then one `input` event carrying the text (as an IME commit or a
// keyboard suggestion does). Much faster than a key event per character.
export async function enter(page, label, text) {
  const it = await reveal(page, label, { role: 'textbox' });
  await page.touchscreen.tap(it.x + it.w / 2, it.y + it.h / 2);
  await page.waitForTimeout(100);
  const focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
  if (focused !== 'ime') throw new Error(`tapping "${label}" did not focus the keyboard field (focused: ${focused})`);
  await page.keyboard.insertText(text);
  await page.waitForFunction(([l, t]) => {
    const m = globalThis.parleyMirror;
    return m && m.items.some((i) => i.role === 'textbox' && i.label === l && (i.value === t || i.value === '\u2022'.repeat([...t].length)));
  }, [label, text], { timeout: 5000 });
}

export async function shot(page, name) {
  mkdirSync(OUTPUT, { recursive: true });
  await page.screenshot({ path: join(OUTPUT, name + '.png') });
}

export async function saved(page, timeout = 10000) {
  await page.waitForFunction(() => {
    const m = globalThis.parleyMirror;
    return m && m.items.some((i) => /^Saved/.test(i.label)) && globalThis.parleyDurableGeneration > 0;
  }, null, { timeout });
}

// The lock screen's first door (no store on this device yet): heading "Welcome to
// Parley", the passphrase typed twice, Continue. Making the store runs Argon2id (about a
// second in wasm, more on a loaded machine), then the app moves on to `next`.
export async function choosePassphrase(page, passphrase = PASSPHRASE, { again = passphrase, next = 'first-run' } = {}) {
  await screen(page, 'unlock', 30000);
  await find(page, 'Welcome to Parley', { role: 'heading' });
  await enter(page, 'Passphrase', passphrase);
  await enter(page, 'Passphrase again', again);
  await tap(page, 'Continue', { role: 'button' });
  if (next) await screen(page, next, 30000);
}

// The lock screen of a device whose store exists (reload, restart, after locking):
// heading "Unlock Parley", the passphrase, Unlock; then the app moves on to `next` (null:
// do not wait, e.g. for a wrong passphrase).
export async function unlock(page, passphrase = PASSPHRASE, { next = 'home' } = {}) {
  await screen(page, 'unlock', 30000);
  await find(page, 'Unlock Parley', { role: 'heading' });
  await enter(page, 'Passphrase', passphrase);
  await tap(page, 'Unlock', { role: 'button' });
  if (next) await screen(page, next, 30000);
}
