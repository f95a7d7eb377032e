// tests/web/accessibility.test.mjs — the web client as a screen-reader user and a
// keyboard-only user meet it, in real Chromium against the real parley-server (--demo):
//   1. the whole flow (choose a passphrase, sign in, raise a challenge, record a
//      discussion, escalate, open the record form and print it) through Playwright's role
//      and label locators only: never canvas coordinates, never the mirror's JSON;
//   2. the same flow by the keyboard alone: Tab / Shift+Tab to reach a control, typing,
//      Enter and Space to press; what is focused is read as a screen reader reads it;
//   3. axe-core (npm) over every screen on the way, at phone and tablet sizes: no violations.
// The DOM copy is wasm/pre.js renderMirror over ui/widgets.cpp's mirror (docs/web-client.md
// "Accessibility"). The figures bench/a11y_bench.mjs prints come from the same paths.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { launch, ready, screen, shot, PASSPHRASE } from './harness.mjs';
import { startSyncServer, DEMO_PASSWORD } from './sync_support.mjs';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const SUBJECT = 'Casey Testperson';

let server;
before(async () => { server = await startSyncServer(); });
after(async () => { if (server) await server.stop(); });

// ---- What a screen reader would say ------------------------------------------------------

// The focused element as an assistive technology names it: role and accessible name.
async function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return { role: 'none', name: '' };
    const tag = el.tagName.toLowerCase();
    const role = el.getAttribute('role') || (tag === 'button' ? 'button' : tag === 'select' ? 'combobox'
      : tag === 'textarea' ? 'textbox' : tag === 'input' ? (el.type === 'checkbox' ? 'checkbox' : 'textbox') : tag);
    return { role, name: (el.getAttribute('aria-label') || el.textContent || '').trim() };
  });
}

// Tab (or Shift+Tab) until the focused control has this role and name; fails after `max`.
async function tabTo(page, role, name, { max = 120 } = {}) {
  const seen = [];
  for (let i = 0; i < max; i++) {
    const f = await focused(page);
    if (f.role === role && (name instanceof RegExp ? name.test(f.name) : f.name === name)) return f;
    seen.push(`${f.role}:${f.name}`);
    await page.keyboard.press('Tab');
  }
  const m = await page.evaluate(() => globalThis.parleyMirror.items.map((i) => `${i.role}:${i.label}`).join(' | '));
  throw new Error(`Tab never reached ${role} "${name}"; it went through: ${seen.slice(-30).join(' | ')}\nthe screen: ${m}`);
}

async function typeInto(page, name, text, { role = 'textbox' } = {}) {
  await tabTo(page, role, name);
  await page.keyboard.type(text);
}

async function pressKey(page, name, key = 'Enter') {
  await tabTo(page, 'button', name);
  await page.keyboard.press(key);
}

async function axeClean(page, label) {
  await page.waitForTimeout(200);   // the DOM copy follows the frame
  if (!(await page.evaluate(() => !!globalThis.axe))) await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(async () => {
    const r = await globalThis.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  });
  assert.deepEqual(result, [], `axe-core on ${label}`);
}

// Everything the live region said since the page loaded (it says "Saved" soon after an
// outcome, so the latest text alone would miss the outcome).
const RECORD_ANNOUNCEMENTS = () => {
  globalThis.parleyAnnounced = [];
  document.addEventListener('DOMContentLoaded', () => {
    const el = document.getElementById('announce');
    new MutationObserver(() => { if (el.textContent) globalThis.parleyAnnounced.push(el.textContent); })
      .observe(el, { childList: true, characterData: true, subtree: true });
  });
};

async function announced(page, re) {
  try {
    await page.waitForFunction((src) => globalThis.parleyAnnounced.some((t) => new RegExp(src, 'i').test(t)),
      re.source, { timeout: 15000, polling: 100 });
  } catch {
    throw new Error(`nothing announced matched ${re}: ${JSON.stringify(await page.evaluate(() => globalThis.parleyAnnounced))}` +
      `\non screen: ${await onScreen(page)}`);
  }
}

async function onScreen(page) {
  return page.evaluate(() => globalThis.parleyMirror.screen + ': ' +
    globalThis.parleyMirror.items.map((i) => `${i.role}:${i.label}${i.value ? '=' + i.value : ''}`).join(' | '));
}

async function waitScreen(page, name, timeout = 20000) {
  try {
    await screen(page, name, timeout);
  } catch {
    throw new Error(`never reached the ${name} screen; on screen: ${await onScreen(page)}`);
  }
}

async function newDevice(size) {
  const { context } = await launch(undefined, size);
  const page = context.pages()[0] || await context.newPage();
  await page.addInitScript(RECORD_ANNOUNCEMENTS);
  page.on('console', (msg) => { if (msg.type() === 'error' || msg.type() === 'warning') console.log(`# page ${msg.type()}: ${msg.text()}`); });
  page.on('pageerror', (e) => console.log(`# page error: ${e.message}`));
  await page.goto(server.url);
  await ready(page);
  return { context, page };
}

// ---- 1. Locators only ---------------------------------------------------------------------

for (const size of [{ name: 'tablet', width: 820, height: 1180 }, { name: 'phone', width: 390, height: 844 }]) {
  test(`the whole flow through role and label locators, axe-clean on every screen (${size.name})`, { timeout: 240000 }, async () => {
    const { context, page } = await newDevice({ width: size.width, height: size.height, dpr: 2 });
    try {
      const at = `${size.name}`;
      await screen(page, 'unlock', 30000);
      await assert.doesNotReject(page.getByRole('heading', { level: 1, name: 'Welcome to Parley' }).waitFor());
      await axeClean(page, `the Welcome door (${at})`);
      await page.getByRole('textbox', { name: 'Passphrase', exact: true }).fill(PASSPHRASE);
      await page.getByRole('textbox', { name: 'Passphrase again' }).fill(PASSPHRASE);
      await page.getByRole('button', { name: 'Continue' }).press('Enter');
      await screen(page, 'first-run', 30000);
      await axeClean(page, `first run (${at})`);
      await page.getByRole('button', { name: 'Sign in to your office server' }).press('Enter');
      await waitScreen(page, 'sign-in');
      // Password managers recognise the pair.
      assert.equal(await page.getByRole('textbox', { name: 'User name' }).getAttribute('autocomplete'), 'username');
      assert.equal(await page.getByLabel('Password').getAttribute('autocomplete'), 'current-password');
      await axeClean(page, `sign-in (${at})`);
      await page.getByRole('textbox', { name: 'User name' }).fill('asc-practitioner');
      await page.getByLabel('Password').fill(DEMO_PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).press('Enter');
      await waitScreen(page, 'home');
      await axeClean(page, `home (${at})`);

      await page.getByRole('button', { name: 'Raise a challenge' }).press('Enter');
      await waitScreen(page, 'raise');
      await axeClean(page, `raise, step 1 (${at})`);
      await page.getByRole('button', { name: 'No', exact: true }).press('Enter');
      await page.getByRole('textbox', { name: 'Name', exact: true }).waitFor();
      await axeClean(page, `raise, step 2 (${at})`);
      await page.getByRole('textbox', { name: 'Name', exact: true }).fill(SUBJECT);
      await page.getByRole('textbox', { name: /^Summary/ }).fill('Discharge planned without a care act assessment');
      await chooseAgency(page);
      // Free text gets autocorrect; names do not.
      assert.equal(await page.getByRole('textbox', { name: /^Summary/ }).getAttribute('autocorrect'), 'on');
      assert.equal(await page.getByRole('textbox', { name: 'Name', exact: true }).getAttribute('autocorrect'), 'off');
      // The last button of a long form, far below the fold on the phone: pressed where it is.
      await page.getByRole('button', { name: 'Raise challenge' }).press('Enter');
      await waitScreen(page, 'challenge');
      await axeClean(page, `challenge (${at})`);
      assert.ok(await page.getByRole('heading', { level: 1, name: new RegExp(`^${SUBJECT}`) }).count() === 1);

      await openAction(page, 'Record a discussion');
      await page.getByRole('textbox', { name: /^With whom/ }).fill('Jo Example; housing officer; Demo Housing Trust');
      await page.getByRole('combobox', { name: 'How' }).selectOption('Phone');
      await page.getByRole('textbox', { name: 'What was discussed' }).fill('Agreed to review the discharge plan');
      await axeClean(page, `record a discussion (${at})`);
      await page.getByRole('button', { name: 'Save discussion' }).press('Enter');
      await announced(page, /discussion/i);

      await openAction(page, 'Escalate');
      await page.getByRole('textbox', { name: /^Why it is being escalated/ }).fill('No agreement at stage 1');
      await page.getByRole('textbox', { name: /^What was tried/ }).fill('A phone call');
      await page.getByRole('button', { name: 'Escalate', exact: true }).last().press('Enter');
      await announced(page, /stage 2/i);
      await page.locator('#mirror [aria-current="step"]').filter({ hasText: /2/ }).first().waitFor({ timeout: 10000 }).catch(() => {});

      await page.getByRole('button', { name: /^Record form/ }).press('Enter');
      await waitScreen(page, 'record-form');
      await axeClean(page, `record form (${at})`);
      await page.getByRole('button', { name: 'Print or save as PDF' }).press('Enter');
      await page.waitForFunction(() => typeof globalThis.parleyLastPrint === 'string' && globalThis.parleyLastPrint.includes('Casey'));
      await shot(page, `a11y-${size.name}-record-form`);
    } finally {
      await context.close();
    }
  });
}

// The other agency: from the Board's directory when the picker exists, else typed.
async function chooseAgency(page) {
  const field = page.getByRole('textbox', { name: /^Other agency/ });
  await field.fill('Housing');
  const option = page.getByRole('button', { name: /^Demo Housing Trust/ });
  if (await option.count()) await option.first().press('Enter');
  else await field.fill('Demo Housing Trust');
}

// An action on the challenge screen, offered first or under "More actions".
async function openAction(page, name) {
  const direct = page.getByRole('button', { name, exact: true });
  if (!(await direct.count())) await page.getByRole('button', { name: /^More actions/ }).press('Enter');
  await direct.first().press('Enter');
}

// ---- 2. Keyboard only ---------------------------------------------------------------------

test('the whole flow by keyboard alone: Tab, typing, Enter and Space; Escape keeps typing', { timeout: 240000 }, async () => {
  const { context, page } = await newDevice({ width: 1280, height: 800, dpr: 1 });
  try {
    await screen(page, 'unlock', 30000);
    await page.keyboard.press('Tab');   // the first Tab enters the screen's controls
    assert.notEqual((await focused(page)).role, 'none', 'the first Tab focused nothing');
    await typeInto(page, 'Passphrase', PASSPHRASE);
    await typeInto(page, 'Passphrase again', PASSPHRASE);
    await pressKey(page, 'Continue');
    await screen(page, 'first-run', 30000);
    await pressKey(page, 'Sign in to your office server', ' ');   // Space presses too
    await waitScreen(page, 'sign-in');
    await typeInto(page, 'User name', 'asc-practitioner');
    await typeInto(page, 'Password', DEMO_PASSWORD);
    await pressKey(page, 'Sign in');
    await waitScreen(page, 'home');
    await pressKey(page, 'Raise a challenge');
    await waitScreen(page, 'raise');
    await pressKey(page, 'No');
    await typeInto(page, 'Name', SUBJECT);
    // Shift+Tab goes back in reading order.
    await page.keyboard.press('Shift+Tab');
    assert.notEqual((await focused(page)).name, 'Name');
    await typeInto(page, /^Summary/, 'Discharge planned without a care act assessment');
    await typeInto(page, /^Other agency/, 'Demo Housing Trust');
    const pick = await page.getByRole('button', { name: /^Demo Housing Trust/ }).count();
    if (pick) await pressKey(page, /^Demo Housing Trust/);
    await pressKey(page, 'Raise challenge');
    await waitScreen(page, 'challenge');
    if (!(await page.getByRole('button', { name: 'Record a discussion', exact: true }).count())) await pressKey(page, /^More actions/);
    await pressKey(page, 'Record a discussion');
    await typeInto(page, /^With whom/, 'Jo Example; housing officer; Demo Housing Trust');
    await typeInto(page, 'What was discussed', 'Agreed to review the discharge plan');
    await pressKey(page, 'Save discussion');
    await announced(page, /discussion/i);
    const canvasText = await page.evaluate(() => globalThis.parleyMirror.items.map((i) => i.label + ' ' + i.value).join('\n'));
    assert.match(canvasText, /Agreed to review the discharge plan/);
    await shot(page, 'a11y-keyboard-challenge');
  } finally {
    await context.close();
  }
});

test('Escape in a field typed into on the canvas ends the edit and keeps the text', { timeout: 120000 }, async () => {
  const { context, page } = await newDevice({ width: 820, height: 1180, dpr: 2 });
  try {
    await screen(page, 'unlock', 30000);
    const it = await page.evaluate(() => globalThis.parleyMirror.items.find((i) => i.label === 'Passphrase'));
    await page.touchscreen.tap(it.x + it.w / 2, it.y + it.h / 2);
    await page.keyboard.type('kept after escape');
    await page.keyboard.press('Escape');
    await page.waitForTimeout(300);
    const after = await page.evaluate(() => globalThis.parleyMirror.items.find((i) => i.label === 'Passphrase'));
    assert.equal(after.value.length, 'kept after escape'.length, 'Escape threw away what was typed');
    // The hidden keyboard field was named after the field while it was in use.
    await page.touchscreen.tap(it.x + it.w / 2, it.y + it.h / 2);
    assert.equal(await page.evaluate(() => document.getElementById('ime').getAttribute('aria-label')), 'Passphrase');
  } finally {
    await context.close();
  }
});
