// tests/web/client.test.mjs — the web client end to end in a tablet-sized, touch-enabled
// headless Chromium, against the real server binary on loopback: choose the passphrase
// that encrypts the device's store, first run, raise a
// Shropshire challenge, record a discussion, escalate, record the outcome, open the
// printable record form; then go offline and reload (the service worker serves the app and
// every saved record is still there once the store is unlocked). Screenshots go to
// build/test-output/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, ready, find, screen, tap, type, saved, shot, mirror, choosePassphrase, unlock } from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { if (server) await server.stop(); });

async function firstRun(page) {
  await screen(page, 'first-run');
  await type(page, 'Your name', 'Sam Example');
  await type(page, 'Job title', 'Team Manager');
  await type(page, 'Agency', 'Northshire Council Adult Social Care');
  // A line manager: Shropshire's stage 2 (where this challenge is resolved) is theirs to
  // decide; a practitioner recording it is refused (tests/core/test_procedure_rules.cpp).
  await tap(page, 'Your role', { role: 'combobox' });
  await tap(page, 'Line manager / supervisor', { role: 'option' });
  await tap(page, 'Your Safeguarding Board', { role: 'combobox' });
  await tap(page, 'Shropshire Safeguarding Community Partnership', { role: 'option' });
  await tap(page, 'Start using Parley');
  await screen(page, 'home', 30000);   // the first store is made here; other browsers may share the cores
  await saved(page);
}

test('a line manager takes a Shropshire challenge from raising to the printed record form, then works offline', async () => {
  const { context } = await launch();
  try {
    const page = context.pages()[0] || (await context.newPage());
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await ready(page);
    await shot(page, 'tablet-welcome');
    await choosePassphrase(page);
    await shot(page, 'tablet-first-run');
    await firstRun(page);
    await shot(page, 'tablet-home-empty');

    await tap(page, 'Raise a challenge');
    await screen(page, 'raise');
    await tap(page, 'No');
    await type(page, 'Name', 'Alex Testperson');
    await type(page, 'Other agency', 'Northshire Police');
    await type(page, 'Summary of the reason for the dispute', 'Referral closed without contact');
    await shot(page, 'tablet-raise');
    await tap(page, 'Raise challenge');
    await screen(page, 'challenge');
    await saved(page);
    const raised = await find(page, /^Alex Testperson — SSCP-/, { role: 'heading' });
    const id = raised.label.split(' — ')[1];
    await find(page, /^Stage 1 due /);

    await tap(page, 'Record a discussion');
    await type(page, 'With whom (name, job title, agency; separate people with ;)', 'Jo Sample, Police Constable, Northshire Police');
    await type(page, 'What was discussed', 'Talked about the closure; no agreement');
    await tap(page, 'Save discussion');
    await saved(page);
    await find(page, /^Discussion \(face to face\) with Jo Sample/);

    await tap(page, 'Escalate');
    await type(page, 'Why it is being escalated', 'No agreement at stage 1');
    await type(page, 'What was tried at this stage', 'A face-to-face discussion');
    await tap(page, 'Escalate', { role: 'button' });
    await saved(page);
    await find(page, /^Stage 2: /, { role: 'heading' });
    await find(page, /^Stage 2: /, { role: 'step' }).then((it) => assert.equal(it.value, 'current'));
    await shot(page, 'tablet-challenge');

    await tap(page, 'Record the outcome');
    await type(page, 'Outcome', 'Referral reopened; police will visit');
    await tap(page, 'Save outcome');
    await saved(page);
    await find(page, /^Status: resolved/);

    await tap(page, 'Record form (print)');
    await screen(page, 'record-form');
    await shot(page, 'tablet-record-form');
    await tap(page, 'Print or save as PDF');
    await page.waitForFunction(() => typeof globalThis.parleyLastPrint === 'string');
    const html = await page.evaluate(() => globalThis.parleyLastPrint);
    assert.match(html, /Alex Testperson/);
    assert.match(html, /Referral reopened; police will visit/);
    assert.match(html, new RegExp(id));

    // Offline: the service worker serves the app; the records come from IndexedDB.
    await page.waitForFunction(() => navigator.serviceWorker && navigator.serviceWorker.controller, null, { timeout: 15000 });
    await context.setOffline(true);
    await page.reload();
    await ready(page);
    await unlock(page);
    const row = await find(page, 'Alex Testperson — Northshire Council Adult Social Care v Northshire Police', { role: 'link' });
    assert.match(row.value, new RegExp(id));
    assert.ok((await mirror(page)).items.some((i) => /Offline/.test(i.label)), 'status bar says Offline');
    await shot(page, 'tablet-offline-home');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
