// tests/web/accessibility.test.mjs — the web client as a screen-reader user and a
// keyboard-only user meet it, in real Chromium against the real parley-server (--demo):
//   1. the whole flow (choose a passphrase, sign in, raise a challenge, record a
//      discussion, escalate, open the record form and print it) through Playwright's role
//      and label locators only: never canvas coordinates, never the mirror's JSON;
//   2. the same flow by the keyboard alone: Tab / Shift+Tab to reach a control, typing,
//      Enter and Space to press; what is focused is read as a screen reader reads it;
//   3. axe-core (npm) over every screen on the way, at phone and tablet sizes: no violations.
// The DOM copy is wasm/pre.js renderMirror over ui/widgets.cpp's mirror (docs/web-client.md
// "Accessibility"). The figures bench/a11y_bench.mjs prints come from the same paths
// (shared helpers in a11y_support.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { screen, shot, PASSPHRASE } from './harness.mjs';
import { startSyncServer, waitStatus, DEMO_PASSWORD } from './sync_support.mjs';
import {
  announced, axeClean, chooseAgency, focused, newDevice as deviceAt, openAction, pressKey, typeInto, waitScreen,
} from './a11y_support.mjs';
const SUBJECT = 'Casey Testperson';

let server;
before(async () => { server = await startSyncServer(); });
after(async () => { if (server) await server.stop(); });
const newDevice = (size) => deviceAt(server.url, size);

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
      // Typed and not yet raised: the status bar says so.
      await waitStatus(page, /^Draft not saved yet  ·  /, { timeout: 5000 });
      // Raised with answers missing: the form goes back up to its error summary, which is
      // drawn where it can be seen (on the phone the button is far below it).
      await page.getByRole('button', { name: 'Raise challenge' }).press('Enter');
      await page.waitForFunction(() => {
        const h = globalThis.parleyMirror.items.find((i) => i.role === 'heading' && i.label === 'There is a problem');
        return h && h.y >= 0 && h.y + h.h <= innerHeight;
      }, null, { timeout: 5000 }).catch(() => assert.fail('"There is a problem" (the error summary) is not in view after Raise challenge'));
      await page.getByRole('textbox', { name: /^Summary/ }).fill('Discharge planned without a care act assessment');
      await chooseAgency(page);
      // Free text gets autocorrect; names do not.
      assert.equal(await page.getByRole('textbox', { name: /^Summary/ }).getAttribute('autocorrect'), 'on');
      assert.equal(await page.getByRole('textbox', { name: 'Name', exact: true }).getAttribute('autocorrect'), 'off');
      // The last button of a long form, far below the fold on the phone: pressed where it is.
      await page.getByRole('button', { name: 'Raise challenge' }).press('Enter');
      await waitScreen(page, 'challenge');
      // It opens at its top (the raise form was scrolled to its last button on the phone).
      await page.waitForFunction(() => {
        const h = globalThis.parleyMirror.items.find((i) => i.role === 'heading');
        return h && h.y >= 0 && h.y + h.h <= innerHeight;
      }, null, { timeout: 5000 });
      await axeClean(page, `challenge (${at})`);
      assert.ok(await page.getByRole('heading', { level: 1, name: new RegExp(`^${SUBJECT}`) }).count() === 1);

      await openAction(page, 'Record a discussion');
      await page.getByRole('textbox', { name: /^With whom/ }).fill('Jo Example; housing officer; Demo Housing Trust');
      await page.getByRole('combobox', { name: 'How' }).selectOption('Phone');
      await page.getByRole('textbox', { name: 'What was discussed' }).fill('Agreed to review the discharge plan');
      await axeClean(page, `record a discussion (${at})`);
      // Typed but not saved: the status bar must not say "Saved" over it.
      await waitStatus(page, /^Draft not saved yet  ·  /, { timeout: 5000 });
      await page.getByRole('button', { name: 'Save discussion' }).press('Enter');
      await announced(page, /discussion/i);
      await waitStatus(page, /^(Saved|All saved on this device)  ·  /);

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
    await typeInto(page, /^Other agency/, 'Housing');   // then chosen from the Board's list
    await pressKey(page, 'Demo Housing Trust');
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
    if (!(await page.getByRole('button', { name: 'Escalate', exact: true }).count())) await pressKey(page, /^More actions/);
    await pressKey(page, 'Escalate');
    await typeInto(page, /^Why it is being escalated/, 'No agreement at stage 1');
    await typeInto(page, /^What was tried/, 'A phone call');
    await pressKey(page, 'Escalate');   // the form's own button, after its fields in reading order
    await announced(page, /stage 2/i);
    await pressKey(page, /^Record form/);
    await waitScreen(page, 'record-form');
    await pressKey(page, 'Print or save as PDF', ' ');
    await page.waitForFunction(() => typeof globalThis.parleyLastPrint === 'string' && globalThis.parleyLastPrint.includes('Casey'));
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
    await page.waitForTimeout(150);   // as harness.mjs's tap: the field opens on the next frames
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
