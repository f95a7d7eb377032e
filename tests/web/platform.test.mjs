// tests/web/platform.test.mjs — browser platform behaviour a tablet user depends on:
// copy and paste between fields (once, not twice), the screen coming back after the
// WebGL context is lost (iPad Safari after backgrounding), an on-screen keyboard that
// covers the page without shrinking it (iOS Safari) never hiding the field typed into, and
// the keyboard's suggestions and autocorrect working on what was typed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, ready, find, screen, tap, type, shot, mirror, choosePassphrase, unlock } from './harness.mjs';
import { buildDatabase, seedProfile, subjectName } from './seed.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { if (server) await server.stop(); });

test('copy and paste work inside the app, and a paste from the system arrives once', async () => {
  const { context } = await launch();
  try {
    // No clipboard permission: Ctrl+V must fall back to Parley's own clipboard buffer
    // (Emscripten 3.1.6's GLFW clipboard is empty, so without it copy/paste fails in-app).
    const page = context.pages()[0];
    await page.goto(server.url);
    await ready(page);
    await choosePassphrase(page);
    await type(page, 'Your name', 'Sam Example');
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Control+C');
    await tap(page, 'Job title', { role: 'textbox' });
    await page.keyboard.press('Control+V');
    await page.waitForFunction(() => globalThis.parleyMirror.items.some((i) => i.label === 'Job title' && i.value !== ''),
      null, { timeout: 15000 }).catch(() => {});   // generous: other browsers may share the cores
    assert.equal((await find(page, 'Job title', { role: 'textbox' })).value, 'Sam Example');
    // A paste from the system (the iPad's paste menu on the hidden text field): once.
    await tap(page, 'Agency', { role: 'textbox' });
    await page.evaluate(() => {
      const data = new DataTransfer();
      data.setData('text/plain', 'Northshire Council');
      document.getElementById('ime').dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    });
    await page.waitForTimeout(300);
    assert.equal((await find(page, 'Agency', { role: 'textbox' })).value, 'Northshire Council');
  } finally {
    await context.close();
  }
});

test('the screen is redrawn after the WebGL context is lost and restored', async () => {
  const { context } = await launch();
  try {
    const page = context.pages()[0];
    await page.goto(server.url);
    await ready(page);
    await choosePassphrase(page);
    await type(page, 'Your name', 'Sam Example');
    await page.evaluate(async () => {
      const ext = document.getElementById('canvas').getContext('webgl2').getExtension('WEBGL_lose_context');
      ext.loseContext();
      await new Promise((r) => setTimeout(r, 300));
      ext.restoreContext();
      await new Promise((r) => setTimeout(r, 300));
    });
    // Still interactive, with what was typed, and drawing (not a blank canvas).
    await type(page, 'Agency', 'Northshire Council');
    assert.equal((await find(page, 'Your name', { role: 'textbox' })).value, 'Sam Example');
    await shot(page, 'after-context-restore');
    const pixels = await page.evaluate(() => {
      const c = document.getElementById('canvas');
      const gl = c.getContext('webgl2');
      const px = new Uint8Array(4 * 64);
      gl.readPixels(0, Math.floor(c.height / 2), 64, 1, gl.RGBA, gl.UNSIGNED_BYTE, px);
      return Array.from(px);
    });
    assert.ok(pixels.some((v) => v !== 0), 'canvas is not blank after restore');
  } finally {
    await context.close();
  }
});

// Web-client brief item 9: a finger held still is the secondary action, never a tap.
test('a long press on a Home row opens its actions menu instead of the challenge', async () => {
  const seeded = await buildDatabase({ challenges: 3 });
  const { context } = await launch();
  try {
    const page = context.pages()[0];
    await seedProfile(page, server.url, seeded.bytes);
    await unlock(page);
    const row = await find(page, new RegExp(`^${subjectName(0)} — `), { role: 'link' });
    const x = row.x + row.w / 2, y = row.y + row.h / 2;
    const cdp = await context.newCDPSession(page);
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x, y }] });
    await page.waitForTimeout(700);
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await cdp.detach();
    await find(page, 'Copy challenge id', { role: 'button' });
    await find(page, 'Record form', { role: 'button' });
    assert.equal((await mirror(page)).screen, 'home', 'a long press does not open the challenge');
    await shot(page, 'tablet-home-row-menu');
    await tap(page, 'Record form', { role: 'button' });
    await screen(page, 'record-form');
  } finally {
    await context.close();
  }
});

test('an on-screen keyboard that covers the page without shrinking it shortens the canvas, and the field typed into stays above it', async () => {
  // iOS Safari keeps the layout viewport's height when its keyboard opens; only
  // visualViewport.height says how much is covered (wasm/pre.js keyboardCover). Headless
  // Chromium has no on-screen keyboard, so the visual viewport is made shorter by hand.
  const { context } = await launch(undefined, { width: 390, height: 844, dpr: 2 });
  try {
    const page = context.pages()[0];
    await page.goto(server.url);
    await ready(page);
    await choosePassphrase(page);
    const field = await find(page, 'Agency', { role: 'textbox' });
    await tap(page, 'Agency', { role: 'textbox' });
    const cover = Math.min(844 - 250, Math.ceil(844 - field.y) + 40);   // covers the field, leaves 250 px
    await page.evaluate((covered) => {
      const vv = globalThis.visualViewport;
      Object.defineProperty(vv, 'height', { configurable: true, get: () => globalThis.innerHeight - covered });
      vv.dispatchEvent(new Event('resize'));
    }, cover);
    await page.waitForFunction((covered) => {
      const c = document.getElementById('canvas').getBoundingClientRect();
      const f = globalThis.parleyMirror.items.find((i) => i.label === 'Agency');
      return Math.abs(c.height - (globalThis.innerHeight - covered)) < 2 && f && f.y >= 0 && f.y + f.h <= c.height;
    }, cover, { timeout: 10000 }).catch(async () => {
      const c = await page.evaluate(() => document.getElementById('canvas').getBoundingClientRect().height);
      const f = await find(page, 'Agency', { role: 'textbox' });
      assert.fail(`with ${cover} px covered the canvas is ${c} px high and "Agency" spans y=${f.y}..${f.y + f.h}`);
    });
    assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), 'ime', 'still typing');
    await page.keyboard.type('Northshire');
    await page.waitForFunction(() => globalThis.parleyMirror.items.some((i) => i.label === 'Agency' && i.value === 'Northshire'));
  } finally {
    await context.close();
  }
});

test('the on-screen keyboard sees the text before the caret, so a suggestion or autocorrect can replace a word; a secret never stays in the page', async () => {
  const { context } = await launch(undefined, { width: 820, height: 1180, dpr: 2 });
  try {
    const page = context.pages()[0];
    await page.goto(server.url);
    await ready(page);
    const imeValue = () => page.evaluate(() => document.getElementById('ime').value);
    // A passphrase: delivered and gone from the hidden field after each keystroke.
    await type(page, 'Passphrase', 'kept out of the page');
    assert.equal(await imeValue(), '', 'the passphrase stayed in the hidden field');
    await type(page, 'Passphrase again', 'kept out of the page');
    await tap(page, 'Continue', { role: 'button' });
    await screen(page, 'first-run');
    // A name: the hidden field holds what is before the caret, with the field's capitals.
    await type(page, 'Job title', 'Social wokrer');
    // Away and back (the keyboard closes and opens again): it gets the field's text.
    await tap(page, 'Your name', { role: 'textbox' });
    await tap(page, 'Job title', { role: 'textbox' });
    await page.waitForFunction(() => document.getElementById('ime').value === 'Social wokrer', null, { timeout: 5000 })
      .catch(async () => assert.fail(`the hidden field holds "${await imeValue()}", not the text before the caret`));
    assert.equal(await page.evaluate(() => document.getElementById('ime').getAttribute('autocapitalize')), 'words');
    // Autocorrect replaces the last word in place (iOS and Android edit the field's text).
    await page.evaluate(() => {
      const ime = document.getElementById('ime');
      ime.value = 'Social worker';
      ime.setSelectionRange(ime.value.length, ime.value.length);
      ime.dispatchEvent(new InputEvent('input', { inputType: 'insertReplacementText', data: 'worker', bubbles: true }));
    });
    await page.waitForFunction(() => globalThis.parleyMirror.items.some((i) => i.label === 'Job title' && i.value === 'Social worker'),
      null, { timeout: 5000 }).catch(async () => assert.fail(`"Job title" holds "${(await find(page, 'Job title', { role: 'textbox' })).value}"`));
    // Typing goes on after the corrected word.
    await page.keyboard.type(' (adults)');
    await page.waitForFunction(() => globalThis.parleyMirror.items.some((i) => i.label === 'Job title' && i.value === 'Social worker (adults)'));
  } finally {
    await context.close();
  }
});
