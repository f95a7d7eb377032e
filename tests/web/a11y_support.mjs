// tests/web/a11y_support.mjs — what tests/web/accessibility.test.mjs and bench/a11y_bench.mjs
// share: the focused element as a screen reader names it, Tab until a control is reached,
// axe-core over the page, the live region's announcements, and the flow's steps that
// depend on the screen (the agency picker, actions under "More actions").
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { launch, ready, screen } from './harness.mjs';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');

// ---- What a screen reader would say ------------------------------------------------------

// The focused element as an assistive technology names it: role and accessible name.
export async function focused(page) {
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
export async function tabTo(page, role, name, { max = 120 } = {}) {
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

export async function typeInto(page, name, text, { role = 'textbox' } = {}) {
  await tabTo(page, role, name);
  await page.keyboard.type(text);
}

export async function pressKey(page, name, key = 'Enter') {
  await tabTo(page, 'button', name);
  await page.keyboard.press(key);
}

// axe-core's violations on the page as it is now, one line each.
export async function axeViolations(page) {
  await page.waitForTimeout(200);   // the DOM copy follows the frame
  if (!(await page.evaluate(() => !!globalThis.axe))) await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    const r = await globalThis.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  });
}

export async function axeClean(page, label) {
  assert.deepEqual(await axeViolations(page), [], `axe-core on ${label}`);
}

// Everything the live region said since the page loaded (it says "Saved" soon after an
// outcome, so the latest text alone would miss the outcome).
export const RECORD_ANNOUNCEMENTS = () => {
  globalThis.parleyAnnounced = [];
  document.addEventListener('DOMContentLoaded', () => {
    const el = document.getElementById('announce');
    if (!el) return;   // a page that is not Parley's (about:blank)
    new MutationObserver(() => { if (el.textContent) globalThis.parleyAnnounced.push(el.textContent); })
      .observe(el, { childList: true, characterData: true, subtree: true });
  });
};

export async function announced(page, re) {
  try {
    await page.waitForFunction((src) => globalThis.parleyAnnounced.some((t) => new RegExp(src, 'i').test(t)),
      re.source, { timeout: 15000, polling: 100 });
  } catch {
    throw new Error(`nothing announced matched ${re}: ${JSON.stringify(await page.evaluate(() => globalThis.parleyAnnounced))}` +
      `\non screen: ${await onScreen(page)}`);
  }
}

export async function onScreen(page) {
  return page.evaluate(() => globalThis.parleyMirror.screen + ': ' +
    globalThis.parleyMirror.items.map((i) => `${i.role}:${i.label}${i.value ? '=' + i.value : ''}`).join(' | '));
}

export async function waitScreen(page, name, timeout = 20000) {
  try {
    await screen(page, name, timeout);
  } catch {
    throw new Error(`never reached the ${name} screen; on screen: ${await onScreen(page)}`);
  }
}

export async function newDevice(url, size) {
  const { context } = await launch(undefined, size);
  const page = context.pages()[0] || await context.newPage();
  await page.addInitScript(RECORD_ANNOUNCEMENTS);
  page.on('console', (msg) => { if (msg.type() === 'error' || msg.type() === 'warning') console.log(`# page ${msg.type()}: ${msg.text()}`); });
  page.on('pageerror', (e) => console.log(`# page error: ${e.message}`));
  await page.goto(url);
  await ready(page);
  return { context, page };
}

// The other agency from the Board's directory (synced at sign-in): a few letters typed,
// then the agency chosen from the matches the picker offers.
export async function chooseAgency(page, typed = 'Housing', name = /^Demo Housing Trust$/) {
  await page.getByRole('textbox', { name: /^Other agency/ }).fill(typed);
  await page.getByRole('button', { name }).first().press('Enter');
  await page.getByText("From the Board's list of agencies.").waitFor();
}

// An action on the challenge screen, offered first or under "More actions".
export async function openAction(page, name) {
  const direct = page.getByRole('button', { name, exact: true });
  if (!(await direct.count())) await page.getByRole('button', { name: /^More actions/ }).press('Enter');
  await direct.first().press('Enter');
}
