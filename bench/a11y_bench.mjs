// bench/a11y_bench.mjs — issue 12's measured goals for the web client, printed, never
// asserted (docs/performance.md "Accessibility and effort"): real Chromium, the real web
// build and the real parley-server (--demo) on loopback, synthetic people only.
//   1. by finger at phone (390x844) and tablet (820x1180) size: taps, scrolls and typed
//      characters for signing in, for raising a challenge with the required fields (goal:
//      at most 12 taps plus typing) and for recording a phone discussion and escalating,
//      counted from the touch events the page received, with a time estimate;
//   2. the same flow by keyboard alone (key presses: Tab, Shift+Tab, Enter, Space, plus typed
//      characters) and by accessibility locators alone (actions), each finishing or not;
//   3. axe-core violations on every screen of the flow at phone and tablet size (goal: 0).
// Contrast pairs are printed by build/…/bench/parley-bench-contrast.
//
// Run (after tools/setup and a build; paths as tests/web/harness.mjs):
//   node bench/a11y_bench.mjs [finger|keyboard|locators]   (default: all three)
import { launch, ready, screen, tap, enter, drag, find, settled, PASSPHRASE } from '../tests/web/harness.mjs';
import { startSyncServer, DEMO_PASSWORD } from '../tests/web/sync_support.mjs';
import {
  RECORD_ANNOUNCEMENTS, announced, axeViolations, chooseAgency, focused, openAction, waitScreen,
} from '../tests/web/a11y_support.mjs';

const SUBJECT = 'Robin Benchperson';
const SUMMARY = 'Discharge planned without a care act assessment';
// The estimate's model (keystroke-level, touch): a tap with the look before it 1.1 s, a
// scroll 1.5 s, a character on an on-screen keyboard 0.5 s (about 24 words a minute).
const SECONDS = { tap: 1.1, scroll: 1.5, char: 0.5 };

// Counts the touches the page receives: a touch that moved more than 10 CSS px is a scroll,
// any other a tap. Installed before the app starts.
const COUNT_TOUCHES = () => {
  globalThis.parleyEffort = { taps: 0, scrolls: 0 };
  let start = null, moved = false;
  addEventListener('touchstart', (e) => { start = [e.touches[0].clientX, e.touches[0].clientY]; moved = false; }, true);
  addEventListener('touchmove', (e) => {
    if (start && Math.hypot(e.touches[0].clientX - start[0], e.touches[0].clientY - start[1]) > 10) moved = true;
  }, true);
  addEventListener('touchend', () => { moved ? globalThis.parleyEffort.scrolls++ : globalThis.parleyEffort.taps++; }, true);
};

async function device(url, size) {
  const { context } = await launch(undefined, size);
  const page = context.pages()[0] || await context.newPage();
  await page.addInitScript(COUNT_TOUCHES);
  await page.addInitScript(RECORD_ANNOUNCEMENTS);
  await page.goto(url);
  await ready(page);
  return { context, page };
}

// Effort between two readings, with the characters the script typed.
function effort(page, chars) {
  return page.evaluate(() => ({ ...globalThis.parleyEffort })).then((e) => ({ ...e, chars }));
}
function minus(a, b) { return { taps: a.taps - b.taps, scrolls: a.scrolls - b.scrolls, chars: a.chars - b.chars }; }
function seconds(e) { return e.taps * SECONDS.tap + e.scrolls * SECONDS.scroll + e.chars * SECONDS.char; }

// Scrolls by finger until the last button with this name is in view, then taps it.
async function tapLast(page, name) {
  const vh = page.viewportSize().height;
  for (let i = 0; i < 30; i++) {
    const all = (await settled(page)).items.filter((it) => it.role === 'button' && it.label === name);
    const it = all[all.length - 1];
    const mid = it.y + it.h / 2;
    if (mid > 90 && mid < vh - 160) return page.touchscreen.tap(it.x + it.w / 2, mid);
    await drag(page, page.viewportSize().width / 2, vh / 2, mid > vh / 2 ? -Math.min(400, mid - vh / 2) : 300);
  }
  throw new Error(`could not scroll the last "${name}" into view`);
}

// ---- 1. By finger ------------------------------------------------------------------------
async function byFinger(url, size) {
  const { context, page } = await device(url, size);
  let chars = 0;
  let step = '';
  const typed = async (label, text) => {
    step = `typing into ${label}`;
    const exact = label instanceof RegExp ? (await find(page, label, { role: 'textbox' })).label : label;
    await enter(page, exact, text);
    chars += [...text].length;
  };
  const parts = {};
  try {
    let before = await effort(page, chars);
    await screen(page, 'unlock', 30000);
    await typed('Passphrase', PASSPHRASE);
    await typed('Passphrase again', PASSPHRASE);
    await tap(page, 'Continue', { role: 'button' });
    await screen(page, 'first-run', 30000);
    await tap(page, 'Sign in to your office server', { role: 'button' });
    await screen(page, 'sign-in');
    await typed('User name', 'asc-practitioner');
    await typed('Password', DEMO_PASSWORD);
    await tap(page, 'Sign in', { role: 'button' });
    await screen(page, 'home', 20000);
    let now = await effort(page, chars);
    parts['sign in (passphrase chosen, first sign-in)'] = minus(now, before);

    before = now;
    await tap(page, 'Raise a challenge', { role: 'button' });
    await tap(page, 'No', { role: 'button' });
    await typed('Name', SUBJECT);
    await typed(/^Summary/, SUMMARY);
    await typed(/^Other agency/, 'Hous');
    await tap(page, 'Demo Housing Trust', { role: 'button' });
    await tap(page, 'Raise challenge', { role: 'button' });
    await screen(page, 'challenge', 20000);
    now = await effort(page, chars);
    parts['raise a challenge (required fields)'] = minus(now, before);

    before = now;
    const action = async (name) => {
      const m = await page.evaluate(() => globalThis.parleyMirror);
      if (!m.items.some((i) => i.role === 'button' && i.label === name)) await tap(page, 'More actions', { role: 'button' });
      await tap(page, name, { role: 'button' });
    };
    await action('Record a discussion');
    await typed(/^With whom/, 'Jo Example; housing officer; Demo Housing Trust');
    step = 'choosing Phone';
    await tap(page, 'How', { role: 'combobox' });
    await tap(page, 'Phone', { role: 'option' });
    await find(page, 'How', { role: 'combobox' }).then((it) => { if (it.value !== 'Phone') throw new Error(`How is ${it.value}`); });
    await typed('What was discussed', 'Agreed to review the discharge plan');
    step = 'saving the discussion';
    await tap(page, 'Save discussion', { role: 'button' });
    await announced(page, /discussion/i);
    await action('Escalate');
    await typed(/^Why it is being escalated/, 'No agreement at stage 1');
    await typed(/^What was tried/, 'A phone call');
    await tapLast(page, 'Escalate');   // the form's own button, after the action that opened it
    await announced(page, /stage 2/i);
    now = await effort(page, chars);
    parts['record a phone discussion, then escalate'] = minus(now, before);
    return { parts, finished: true };
  } catch (e) {
    return { parts, finished: false, error: `${step}: ${e.message.split('\n')[0]}` };
  } finally {
    await context.close();
  }
}

// ---- 2. Keyboard alone and locators alone -------------------------------------------------
async function byKeyboard(url) {
  const { context, page } = await device(url, { width: 1280, height: 800, dpr: 1 });
  const count = { keys: 0, chars: 0 };
  const press = async (key) => { await page.keyboard.press(key); count.keys++; };
  const reach = async (role, name) => {
    for (let i = 0; i < 150; i++) {
      const f = await focused(page);
      if (f.role === role && (name instanceof RegExp ? name.test(f.name) : f.name === name)) return;
      await press('Tab');
    }
    throw new Error(`Tab never reached ${role} ${name}`);
  };
  const type = async (name, text) => { await reach('textbox', name); await page.keyboard.type(text); count.chars += [...text].length; };
  const activate = async (name, key = 'Enter') => { await reach('button', name); await press(key); };
  try {
    await screen(page, 'unlock', 30000);
    await press('Tab');
    await type('Passphrase', PASSPHRASE);
    await type('Passphrase again', PASSPHRASE);
    await activate('Continue');
    await screen(page, 'first-run', 30000);
    await activate('Sign in to your office server', ' ');
    await waitScreen(page, 'sign-in');
    await type('User name', 'asc-practitioner');
    await type('Password', DEMO_PASSWORD);
    await activate('Sign in');
    await waitScreen(page, 'home');
    await activate('Raise a challenge');
    await waitScreen(page, 'raise');
    await activate('No');
    await type('Name', SUBJECT);
    await type(/^Summary/, SUMMARY);
    await type(/^Other agency/, 'Hous');
    await activate('Demo Housing Trust');
    await activate('Raise challenge');
    await waitScreen(page, 'challenge');
    if (!(await page.getByRole('button', { name: 'Record a discussion', exact: true }).count())) await activate(/^More actions/);
    await activate('Record a discussion');
    await type(/^With whom/, 'Jo Example; housing officer; Demo Housing Trust');
    await type('What was discussed', 'Agreed to review the discharge plan');
    await activate('Save discussion');
    await announced(page, /discussion/i);
    if (!(await page.getByRole('button', { name: 'Escalate', exact: true }).count())) await activate(/^More actions/);
    await activate('Escalate');
    await type(/^Why it is being escalated/, 'No agreement at stage 1');
    await type(/^What was tried/, 'A phone call');
    await activate('Escalate');
    await announced(page, /stage 2/i);
    await activate(/^Record form/);
    await waitScreen(page, 'record-form');
    await activate('Print or save as PDF', ' ');
    await page.waitForFunction(() => typeof globalThis.parleyLastPrint === 'string' && globalThis.parleyLastPrint.length > 0);
    return { ...count, finished: true };
  } catch (e) {
    return { ...count, finished: false, error: e.message.split('\n')[0] };
  } finally {
    await context.close();
  }
}

// The flow by role and label locators, with axe-core on each screen: actions and violations.
async function byLocators(url, size) {
  const { context, page } = await device(url, size);
  const screens = [];
  let actions = 0;
  const check = async (name) => screens.push({ name, violations: await axeViolations(page) });
  const act = async (p) => { await p; actions++; };
  try {
    await screen(page, 'unlock', 30000);
    await check('Welcome door');
    await act(page.getByRole('textbox', { name: 'Passphrase', exact: true }).fill(PASSPHRASE));
    await act(page.getByRole('textbox', { name: 'Passphrase again' }).fill(PASSPHRASE));
    await act(page.getByRole('button', { name: 'Continue' }).press('Enter'));
    await screen(page, 'first-run', 30000);
    await check('first run');
    await act(page.getByRole('button', { name: 'Sign in to your office server' }).press('Enter'));
    await waitScreen(page, 'sign-in');
    await check('sign-in');
    await act(page.getByRole('textbox', { name: 'User name' }).fill('asc-practitioner'));
    await act(page.getByLabel('Password').fill(DEMO_PASSWORD));
    await act(page.getByRole('button', { name: 'Sign in', exact: true }).press('Enter'));
    await waitScreen(page, 'home');
    await check('home');
    await act(page.getByRole('button', { name: 'Raise a challenge' }).press('Enter'));
    await waitScreen(page, 'raise');
    await check('raise, step 1');
    await act(page.getByRole('button', { name: 'No', exact: true }).press('Enter'));
    await page.getByRole('textbox', { name: 'Name', exact: true }).waitFor();
    await check('raise, step 2');
    await act(page.getByRole('textbox', { name: 'Name', exact: true }).fill(SUBJECT));
    await act(page.getByRole('textbox', { name: /^Summary/ }).fill(SUMMARY));
    await chooseAgency(page);
    actions += 2;
    await act(page.getByRole('button', { name: 'Raise challenge' }).press('Enter'));
    await waitScreen(page, 'challenge');
    await check('challenge');
    await openAction(page, 'Record a discussion');
    actions++;
    await act(page.getByRole('textbox', { name: /^With whom/ }).fill('Jo Example; housing officer; Demo Housing Trust'));
    await act(page.getByRole('textbox', { name: 'What was discussed' }).fill('Agreed to review the discharge plan'));
    await check('record a discussion');
    await act(page.getByRole('button', { name: 'Save discussion' }).press('Enter'));
    await announced(page, /discussion/i);
    await openAction(page, 'Escalate');
    actions++;
    await check('escalate');
    await act(page.getByRole('textbox', { name: /^Why it is being escalated/ }).fill('No agreement at stage 1'));
    await act(page.getByRole('textbox', { name: /^What was tried/ }).fill('A phone call'));
    await act(page.getByRole('button', { name: 'Escalate', exact: true }).last().press('Enter'));
    await announced(page, /stage 2/i);
    await act(page.getByRole('button', { name: /^Record form/ }).press('Enter'));
    await waitScreen(page, 'record-form');
    await check('record form');
    await act(page.getByRole('button', { name: 'Print or save as PDF' }).press('Enter'));
    await page.waitForFunction(() => typeof globalThis.parleyLastPrint === 'string');
    return { actions, screens, finished: true };
  } catch (e) {
    return { actions, screens, finished: false, error: e.message.split('\n')[0] };
  } finally {
    await context.close();
  }
}

// ---- Report -------------------------------------------------------------------------------
const pad = (s, n) => String(s).padEnd(n);
const only = process.argv[2];
const part = (name) => !only || only === name;
const server = await startSyncServer();
try {
  console.log('Parley web client: effort and accessibility (bench/a11y_bench.mjs)');
  console.log(`estimate model: tap ${SECONDS.tap} s, scroll ${SECONDS.scroll} s, typed character ${SECONDS.char} s\n`);
  for (const size of [{ name: 'phone 390x844', width: 390, height: 844, dpr: 3 }, { name: 'tablet 820x1180', width: 820, height: 1180, dpr: 2 }]) {
    if (!part('finger')) break;
    const r = await byFinger(server.url, size);
    console.log(`By finger, ${size.name}${r.finished ? '' : ` (DID NOT FINISH: ${r.error})`}`);
    console.log(`  ${pad('part', 44)}${pad('taps', 6)}${pad('scrolls', 9)}${pad('chars', 7)}estimate`);
    const total = { taps: 0, scrolls: 0, chars: 0 };
    for (const [name, e] of Object.entries(r.parts)) {
      console.log(`  ${pad(name, 44)}${pad(e.taps, 6)}${pad(e.scrolls, 9)}${pad(e.chars, 7)}${seconds(e).toFixed(0)} s`);
      for (const k of Object.keys(total)) total[k] += e[k];
    }
    console.log(`  ${pad('whole flow', 44)}${pad(total.taps, 6)}${pad(total.scrolls, 9)}${pad(total.chars, 7)}${seconds(total).toFixed(0)} s` +
      ` (${(seconds(total) / 60).toFixed(1)} min)`);
    const raise = r.parts['raise a challenge (required fields)'];
    if (raise) console.log(`  raise goal (at most 12 taps plus typing): ${raise.taps} taps -> ${raise.taps <= 12 ? 'met' : 'NOT MET'}\n`);
  }
  const k = part('keyboard') ? await byKeyboard(server.url) : null;
  if (k) console.log(`By keyboard alone (1280x800): ${k.finished ? 'finished' : `DID NOT FINISH: ${k.error}`}; ` +
    `${k.keys} key presses (Tab, Shift+Tab, Enter, Space) and ${k.chars} typed characters\n`);
  let violations = 0;
  for (const size of [{ name: 'phone', width: 390, height: 844, dpr: 2 }, { name: 'tablet', width: 820, height: 1180, dpr: 2 }]) {
    if (!part('locators')) break;
    const r = await byLocators(server.url, size);
    console.log(`By role and label locators alone, ${size.name}: ${r.finished ? 'finished' : `DID NOT FINISH: ${r.error}`}; ${r.actions} actions`);
    for (const s of r.screens) {
      console.log(`  axe-core on ${pad(s.name, 22)} ${s.violations.length} violation(s)`);
      for (const v of s.violations) console.log(`    ${v}`);
      violations += s.violations.length;
    }
  }
  if (part('locators')) console.log(`\naxe-core violations on all screens at both sizes: ${violations}`);
} finally {
  await server.stop();
}
