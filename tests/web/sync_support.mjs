// tests/web/sync_support.mjs — helpers for tests/web/sync.test.mjs: start the office sync
// server (parley-server, with its synthetic --demo users) on loopback, sign the web client
// in through its screens, read the status bar, and talk to the server's API from node.
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ROOT, WEB_ROOT, PASSPHRASE, ready, screen, find, tap, choosePassphrase } from './harness.mjs';
import { enter } from './seed.mjs';

export const SERVER_BIN = resolve(ROOT, process.env.PARLEY_SERVER_BIN || 'build/native-debug/tools/server/parley-server');
export const DEMO_PASSWORD = 'parley-demo-2026';
const run = promisify(execFile);

// Starts `parley-server serve --demo` on a free loopback port with the web client as its
// root and a new data directory; the URL is read from its "listening on" line (stderr).
// Resolves to { url, origin, data (the data directory, for `parley-server admin`), log(), stop() }.
export function startSyncServer({ timeoutMs = 20000 } = {}) {
  if (!existsSync(SERVER_BIN)) throw new Error(`parley-server missing: ${SERVER_BIN} (build it, or set PARLEY_SERVER_BIN)`);
  if (!existsSync(join(WEB_ROOT, 'parley.wasm'))) throw new Error(`web build missing in ${WEB_ROOT} (set PARLEY_WEB_ROOT)`);
  const data = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'parley-sync-server-'));
  const child = spawn(SERVER_BIN, ['serve', '--data', data, '--listen', '127.0.0.1:0', '--root', WEB_ROOT, '--demo'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => { log += d; });
  const exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
  const cleanup = () => rmSync(data, { recursive: true, force: true });
  return new Promise((res, rej) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); cleanup(); rej(new Error(`parley-server did not start:\n${log}`)); }, timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); cleanup(); rej(e); });
    exited.then(({ code, signal }) => { clearTimeout(timer); rej(new Error(`parley-server exited (${code}, ${signal}) before listening:\n${log}`)); });
    child.stderr.setEncoding('utf8');
    let started = false;
    child.stderr.on('data', (d) => {
      log += d;
      const m = !started && /listening on (https?:\/\/[^/\s]+)\//.exec(log);
      if (!m) return;
      started = true;
      clearTimeout(timer);
      res({
        url: m[1] + '/', origin: m[1], data, log: () => log,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          const t = setTimeout(() => child.kill('SIGKILL'), 10000);
          const r = await exited;
          clearTimeout(t);
          cleanup();
          return r;
        },
      });
    });
  });
}

// The status bar line (ui/status_bar.cpp): "<save state>  ·  Online|Offline  ·  ...".
const STATUS = /^(All saved on this device|Draft not saved yet|Saving…|Saved|NOT SAVED|Nothing is being saved[^·]*)  ·  (Online|Offline)/;

export async function statusLine(page) {
  return page.evaluate((src) => {
    const re = new RegExp(src);
    const m = globalThis.parleyMirror;
    const it = m && m.items.find((i) => re.test(i.label));
    return it ? it.label : null;
  }, STATUS.source);
}

// Waits until the status bar line matches `re` (and, if given, does not match `not`).
export async function waitStatus(page, re, { not, timeout = 20000 } = {}) {
  try {
    await page.waitForFunction(([src, want, notSrc]) => {
      const m = globalThis.parleyMirror;
      const it = m && m.items.find((i) => new RegExp(src).test(i.label));
      return !!it && new RegExp(want).test(it.label) && !(notSrc && new RegExp(notSrc).test(it.label));
    }, [STATUS.source, re.source, not ? not.source : null], { timeout, polling: 100 });
  } catch (e) {
    throw new Error(`status bar never matched ${re}${not ? ` without ${not}` : ''} in ${timeout} ms; it says: ` +
      `${await statusLine(page)}${await syncWarning(page)}`);
  }
  return statusLine(page);
}

// The "Sync: ..." warning under the status bar, if any (for error messages).
async function syncWarning(page) {
  const w = await page.evaluate(() => {
    const m = globalThis.parleyMirror;
    return m ? m.items.filter((i) => /^Sync: |^Error/.test(i.label)).map((i) => i.label).join(' | ') : '';
  });
  return w ? ` (and: ${w})` : '';
}

// The durable generation (IndexedDB) now; pass it to savedAfter after a change.
export async function generation(page) {
  return page.evaluate(() => globalThis.parleyDurableGeneration || 0);
}

// Waits until a save newer than `before` reached IndexedDB and the status bar says Saved.
export async function savedAfter(page, before, timeout = 10000) {
  await page.waitForFunction((b) => {
    const m = globalThis.parleyMirror;
    return m && m.items.some((i) => /^Saved  · /.test(i.label)) && globalThis.parleyDurableGeneration > b;
  }, before, { timeout });
}

// A new device: the Welcome door (choose the passphrase that encrypts this device's store)
// → first run → "Sign in to your office server" → the sign-in screen filled in as a person
// would (the server address is prefilled with the page's own origin) → Home.
export async function signIn(page, server, username, { passphrase = PASSPHRASE, onSignInScreen } = {}) {
  await page.goto(server.url);
  await ready(page);
  await choosePassphrase(page, passphrase);
  await tap(page, 'Sign in to your office server');
  await screen(page, 'sign-in');
  const address = await find(page, 'Office server address', { role: 'textbox' });
  if (address.value.replace(/\/$/, '') !== server.origin)
    throw new Error(`"Office server address" is prefilled with "${address.value}", not the page origin ${server.origin}`);
  await enter(page, 'User name', username);
  await enter(page, 'Password', DEMO_PASSWORD);
  if (onSignInScreen) await onSignInScreen();
  await tap(page, 'Sign in', { role: 'button' });
  await screen(page, 'home', 20000);
}

// `parley-server admin --data <the server's data directory> ...args`; resolves to its
// standard output, or rejects with what it printed.
export async function admin(server, args) {
  try {
    return (await run(SERVER_BIN, ['admin', '--data', server.data, ...args], { encoding: 'utf8' })).stdout;
  } catch (e) {
    throw new Error(`parley-server admin ${args.join(' ')} failed: ${e.stderr || e.message}`);
  }
}

// The server's API from node, as another device would use it.
export async function api(server, method, path, { token, body } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(new URL(path, server.url), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let json;
  try { json = JSON.parse(text); } catch { json = text; }
  return { status: r.status, json };
}

// A fresh sign-in from node (a new device id); resolves to the token.
export async function apiLogin(server, username) {
  const r = await api(server, 'POST', 'api/login', {
    body: { username, password: DEMO_PASSWORD, device: 'node-' + randomBytes(8).toString('hex'), device_name: 'sync.test.mjs' },
  });
  if (r.status !== 200) throw new Error(`login as ${username}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json.token;
}

// Every bundle of the caller's feed, page by page from cursor 0.
export async function pullAll(server, token) {
  const bundles = [];
  let cursor = '0';
  for (let i = 0; i < 100; i++) {
    const r = await api(server, 'GET', `api/pull?cursor=${cursor}`, { token });
    if (r.status !== 200) throw new Error(`pull: ${r.status} ${JSON.stringify(r.json)}`);
    bundles.push(...r.json.bundles);
    if (!r.json.more) return bundles;
    cursor = r.json.cursor;
  }
  throw new Error('pull never ended');
}
