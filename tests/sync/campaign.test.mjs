// tests/sync/campaign.test.mjs — the randomized multi-device fault campaign (sync brief:
// "prove them with randomized multi-device runs"; docs/fault-campaign.md).
//
// The real parley-server on a fixed loopback port with its own data directory; five CLI
// databases (devices) signed in as asc-practitioner, asc-lead, housing-practitioner,
// housing-director and police-practitioner; between each device and the server a chaos proxy
// (campaign_proxy.mjs) that drops, cuts, duplicates, delays and replays requests and loses
// acknowledgements. Each step picks a device and an action: a local write valid under the
// procedure (open a challenge naming the other agency, comment, record a discussion,
// escalate, record an outcome, settle a conflict), two devices escalating the same stage
// without seeing each other, going offline for some steps, a sync, several devices syncing
// at once, a write while the device's own sync runs, the CLI SIGKILLed mid-sync, or the
// server SIGKILLed mid-sync (also at random from inside a push) and restarted later on the
// same port with the same data.
// After every server restart: every event the server acknowledged is still there, and no
// push is half stored (guarantees 1, 9). At the end the network heals, every device syncs
// until two full rounds move nothing, and the replicas are compared (guarantees 1–5, 8).
//
// Environment:
//   PARLEY_CAMPAIGN_SEED   replay a run (printed at the start); "random" for a fresh one.
//                          Default 4242, so tools/test runs one known sequence (timing,
//                          e.g. what a SIGKILL catches, still varies run to run).
//   PARLEY_CAMPAIGN_STEPS  length (default 260)
//   PARLEY_SERVER_BIN      default build/native-debug/tools/server/parley-server
//   PARLEY_CLI_BIN         default the `parley` beside the server's build
//   PARLEY_CAMPAIGN_KEEP   keep the temporary directory (it is always kept on failure)
//   PARLEY_CAMPAIGN_SELFTEST=fake-ack  the proxies acknowledge every 5th push without
//                          forwarding it: the run must FAIL with lost events (checks the checks)
// Replays repeat every random decision; what a SIGKILL catches depends on timing, so a
// replay follows the same script but may not hit a race at the same instant.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { ChaosProxy, makeRng } from './campaign_proxy.mjs';
import { ServerProcess, freePort, runCli } from './campaign_world.mjs';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const SERVER_BIN = process.env.PARLEY_SERVER_BIN || path.join(ROOT, 'build/native-debug/tools/server/parley-server');
const CLI_BIN = process.env.PARLEY_CLI_BIN || path.join(path.resolve(path.dirname(SERVER_BIN), '..', '..'), 'parley');
const SEED_ENV = process.env.PARLEY_CAMPAIGN_SEED || '4242';
const SEED = SEED_ENV === 'random' ? (Date.now() ^ (process.pid << 16)) >>> 0 : Number(SEED_ENV) >>> 0;
const STEPS = Number(process.env.PARLEY_CAMPAIGN_STEPS || 260);
const AS_OF = '2030-01-01';   // derived state is compared as of one fixed time

const PROBS = { drop: 0.06, cutreq: 0.03, lostack: 0.08, cutres: 0.03, dup: 0.08, delay: 0.12, replay: 0.06 };
const KILL_ON_PUSH = 0.06;    // per push forwarded: SIGKILL the server while it handles it
const MAX_CHALLENGES = Math.max(10, Math.round(STEPS / 25));   // party challenges; more in long runs
const LAST_STAGE = 5;   // shropshire-sscp
const PARTY_AGENCIES = ['Demo Adult Social Care', 'Demo Housing Trust'];

// A director among them: escalations and outcomes at Shropshire's later stages are for
// senior roles (core/procedure_rules.h); others' attempts there are counted refusals.
const USERS = ['asc-practitioner', 'asc-lead', 'housing-practitioner', 'housing-director', 'police-practitioner'];

function hasSqlite() {
  try { execFileSync('sqlite3', ['-version']); return true; } catch { return false; }
}

test(`fault campaign: seed ${SEED}, ${STEPS} steps`, { timeout: Math.max(10 * 60, 2 * STEPS + 300) * 1000 }, async () => {
  assert.ok(fs.existsSync(SERVER_BIN), `no server binary at ${SERVER_BIN}: build it or set PARLEY_SERVER_BIN`);
  assert.ok(fs.existsSync(CLI_BIN), `no CLI binary at ${CLI_BIN}: build it or set PARLEY_CLI_BIN`);
  assert.ok(hasSqlite(), 'the campaign reads the server database with the sqlite3 shell: install sqlite3');
  console.log(`# fault campaign: PARLEY_CAMPAIGN_SEED=${SEED} PARLEY_CAMPAIGN_STEPS=${STEPS}`);

  const base = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  const dir = fs.mkdtempSync(path.join(base, `parley-campaign-${SEED}-`));
  // Private copies of the binaries: a rebuild of the build tree during the run must not
  // swap them under a running campaign.
  fs.mkdirSync(path.join(dir, 'bin'));
  const bins = { server: path.join(dir, 'bin', 'parley-server'), cli: path.join(dir, 'bin', 'parley') };
  fs.copyFileSync(SERVER_BIN, bins.server);
  fs.copyFileSync(CLI_BIN, bins.cli);
  fs.chmodSync(bins.server, 0o755);
  fs.chmodSync(bins.cli, 0o755);
  let passed = false;
  const c = new Campaign(dir, bins);
  try {
    await c.setUp();
    await c.run();
    await c.heal();
    const report = await c.check();
    c.printSummary(report);
    assert.deepEqual(report.violations, [], `seed ${SEED}: ${report.violations.length} violation(s) (data kept in ${dir}):\n  ` +
      report.violations.slice(0, 40).join('\n  '));
    passed = true;
  } finally {
    await c.tearDown();
    if (passed && !process.env.PARLEY_CAMPAIGN_KEEP) fs.rmSync(dir, { recursive: true, force: true });
    else console.log(`# campaign data kept in ${dir} (server log: ${path.join(dir, 'server.log')}, steps: ${path.join(dir, 'steps.log')})`);
  }
});

class Campaign {
  constructor(dir, bins) {
    this.dir = dir;
    this.bins = bins;
    this.rng = makeRng(SEED);                 // the script: devices, actions, arguments
    this.killRng = makeRng(SEED ^ 0x5bd1e995); // SIGKILL decisions inside pushes
    this.stats = { requests: 0 };             // shared by the proxies
    this.n = { steps: 0, syncs: 0, syncs_failed: 0, sync_crashes: 0, server_kills: 0, kills_on_push: 0,
               kills_mid_sync: 0, writes: 0, writes_refused: 0, writes_during_sync: 0, offline_periods: 0,
               concurrent_escalations: 0, settled: 0, bursts: 0, quarantined: 0, needs_review_seen: 0,
               cut_pushes_whole: 0, cut_pushes_absent: 0, cut_pushes_partial: 0 };
    this.failures = {};        // sync failure message (shortened) -> count
    this.refusals = {};        // local refusal message -> count
    this.written = new Map();  // event id -> {device, challenge, kind, step}
    this.challenges = new Map();   // challenge id -> {police: bool, opener}
    this.acked = new Set();    // event ids the server acknowledged with 200 to anyone
    this.pushLog = [];         // every push forwarded: {ids, state: 'flight'|'ok'|'refused'|'error'}
    this.violations = [];
    this.reviewSeen = new Set();
    this.logFile = path.join(dir, 'steps.log');
    this.serverDownUntil = -1;
    this.killPending = null;
  }

  note(line) {
    fs.appendFileSync(this.logFile, `${line}\n`);
    if (process.env.PARLEY_CAMPAIGN_TRACE) process.stderr.write(`${line}\n`);
  }
  violation(text) { this.violations.push(text); this.note(`VIOLATION ${text}`); }

  async setUp() {
    this.port = await freePort();
    this.server = new ServerProcess({ bin: this.bins.server, dataDir: path.join(this.dir, 'server'), port: this.port,
                                      logFile: path.join(this.dir, 'server.log') });
    await this.server.start();
    this.devices = [];
    for (const [i, user] of USERS.entries()) {
      const proxy = new ChaosProxy({
        name: user, target: { host: '127.0.0.1', port: this.port }, rng: makeRng((SEED + 7919 * (i + 1)) >>> 0),
        probs: PROBS, stats: this.stats, onPush: (info) => this.onPush(info),
      });
      proxy.pushLog = this.pushLog;
      proxy.acked = this.acked;
      proxy.fakeAcks = process.env.PARLEY_CAMPAIGN_SELFTEST === 'fake-ack';
      await proxy.listen();
      const db = path.join(this.dir, `${user}.db`);
      const pw = this.server.passwords[user];
      assert.ok(pw, `the demo server did not list ${user}`);
      const r = await runCli(this.bins.cli, db, ['login', '--server', proxy.url, '--user', user, '--password-stdin',
                                           '--device-name', user, '--json'], { input: pw + '\n' });
      assert.equal(r.code, 0, `login ${user}: ${r.err}`);
      const j = JSON.parse(r.out);
      this.devices.push({ user, db, proxy, profile: j.user, deviceId: j.device, police: user.startsWith('police'),
                          offlineUntil: -1, index: i });
    }
    for (const d of this.devices) d.proxy.chaos = true;
    this.parties = this.devices.filter((d) => !d.police);
    this.police = this.devices.find((d) => d.police);
  }

  async tearDown() {
    for (const d of this.devices || []) await d.proxy.close().catch(() => {});
    if (this.server) await this.server.stop();
  }

  // ---- the server: kills and restarts ---------------------------------------------------

  // Called by a proxy before it forwards a push. One draw per push keeps the stream stable.
  async onPush({ device, eventIds }) {
    const roll = this.killRng();
    const delay = this.killRng.int(0, 6);   // ms after forwarding: the push is usually still being handled
    if (roll >= KILL_ON_PUSH || !this.server.up || this.killPending || this.healing) return;
    this.n.kills_on_push++;
    await this.markBeforeKill();
    this.killPending = (async () => {
      await new Promise((r) => setTimeout(r, delay));
      this.note(`  SIGKILL server ${delay} ms into a push from ${device} (${eventIds.length} events)`);
      await this.server.kill();
    })();
  }

  // What the server held before a kill, and which pushes could still change it.
  async markBeforeKill() {
    let first = this.pushLog.findIndex((p) => p.state === 'flight');
    if (first < 0) first = this.pushLog.length;
    this.killMark = { logFrom: first, before: new Set((await this.server.query('SELECT id FROM events')).map((r) => r[0])) };
  }

  async killNow(why) {
    if (!this.server.up) return;
    await this.server.kill();
    this.note(`  SIGKILL server (${why})`);
  }

  // Restart after a kill, then check guarantees 1 and 9 against what was in flight.
  async restartIfDue(step, force = false) {
    if (this.killPending) { await this.killPending; this.killPending = null; }
    if (this.server.up) return;
    if (!force && step < this.serverDownUntil) return;
    await this.server.start();
    this.n.server_kills = this.server.kills;
    this.note(`  server restarted (start #${this.server.starts})`);
    await this.checkAfterRestart();
  }

  async checkAfterRestart() {
    const now = new Set((await this.server.query('SELECT id FROM events')).map((r) => r[0]));
    for (const id of this.acked)
      if (!now.has(id)) this.violation(`guarantee 1: event ${id} was acknowledged but is gone after a server restart`);
    const mark = this.killMark;
    this.killMark = null;
    if (!mark) return;
    for (const id of mark.before)
      if (!now.has(id)) this.violation(`guarantee 1: event ${id} was stored before the kill and is gone after restart`);
    // Every newly stored event must be explained by a push stored whole.
    const pushes = this.pushLog.slice(mark.logFrom);
    const explained = new Set();
    for (const p of pushes) {
      const fresh = p.ids.filter((id) => !mark.before.has(id));
      if (p.state === 'ok' || (fresh.length > 0 && fresh.every((id) => now.has(id)))) for (const id of p.ids) explained.add(id);
      if (p.state === 'error' && fresh.length && p.t0 <= this.server.lastKillAt) {   // in flight when the kill landed
        const stored = fresh.filter((id) => now.has(id)).length;
        this.n[stored === fresh.length ? 'cut_pushes_whole' : stored === 0 ? 'cut_pushes_absent' : 'cut_pushes_partial']++;
        this.note(`  push from ${p.device} cut by the kill (${p.state}): ${stored} of its ${fresh.length} new event(s) stored`);
      }
    }
    for (const id of now) {
      if (mark.before.has(id) || explained.has(id)) continue;
      const carriers = pushes.filter((p) => p.ids.includes(id));
      this.violation(`guarantee 9: event ${id} is stored after a SIGKILL but no push carrying it was stored whole ` +
        `(pushes carrying it since the kill mark: ${carriers.map((p) => `${p.device}:${p.state}:${p.ids.filter((x) => now.has(x)).length}/${p.ids.length} stored`).join(', ') || 'none'})`);
    }
  }

  // ---- devices ----------------------------------------------------------------------------

  cli(d, args, opts) { return runCli(this.bins.cli, d.db, args, opts); }

  async list(d) {
    const r = await this.cli(d, ['challenge', 'list', '--json', '--as-of', AS_OF]);
    if (r.code !== 0) { this.violation(`${d.user}: challenge list failed: ${r.err.trim()}`); return []; }
    const rows = JSON.parse(r.out);
    for (const row of rows) if (row.needs_review && !this.reviewSeen.has(row.id)) { this.reviewSeen.add(row.id); this.n.needs_review_seen++; }
    return rows;
  }

  async sync(d, label = 'sync', started) {
    this.n.syncs++;
    const r = await this.cli(d, ['sync', '--json'], { started });
    let j = null;
    try { j = JSON.parse(r.out); } catch { /* killed or failed before printing */ }
    if (j) this.n.quarantined += j.quarantined || 0;
    if (r.code !== 0) {
      this.n.syncs_failed++;
      const why = r.signal ? `killed (${r.signal})` : (r.err.trim().replace(/^parley: /, '').replace(/[0-9a-f]{16,}/g, '…')
        .replace(/http:\/\/127\.0\.0\.1:\d+/g, 'PROXY').slice(0, 100) || `exit ${r.code}`);
      this.failures[why] = (this.failures[why] || 0) + 1;
      this.note(`  ${label} ${d.user}: FAILED ${why}`);
    } else {
      this.note(`  ${label} ${d.user}: pushed ${j.pushed} acked ${j.acked} pulled ${j.pulled} pending ${j.pending}`);
    }
    return { r, j };
  }

  // A local write; records the event it reports. A refusal must write nothing (checked at
  // the end: every event on a device is one we were told about).
  async write(d, step, challenge, kindArgs, kind) {
    const r = await this.cli(d, ['challenge', ...kindArgs, '--json']);
    if (r.code !== 0) {
      this.n.writes_refused++;
      const why = r.err.trim().replace(/^parley: /, '').replace(/SSCP-\w+|[0-9a-f]{12,}|conflict-\w+/g, '…').slice(0, 90);
      this.refusals[why] = (this.refusals[why] || 0) + 1;
      this.note(`  ${d.user} ${kind} refused: ${r.err.trim()}`);
      return null;
    }
    const j = JSON.parse(r.out);
    this.n.writes++;
    this.written.set(j.event, { device: d.user, challenge, kind, step });
    this.note(`  ${d.user} ${kind} ${challenge} -> ${j.event} (stage ${j.stage}, ${j.status})`);
    return j;
  }

  async open(d, step) {
    const p = d.profile;
    const other = d.police ? 'Demo Community Health' : PARTY_AGENCIES.find((a) => a !== p.agency);
    const r = await this.cli(d, ['challenge', 'open', '--procedure', 'shropshire-sscp', '--imminent-risk', 'no',
      '--subject-name', `Campaign Subject ${step}`, '--subject-kind', 'adult',
      '--challenger-name', p.name, '--challenger-agency', p.agency, '--challenger-job-title', p.job_title || 'Practitioner',
      '--challenged-agency', other, '--category', 'response_to_referral',
      '--summary', `Step ${step}: referral closed without contact`, '--json']);
    if (r.code !== 0) { this.violation(`${d.user}: challenge open failed: ${r.err.trim()}`); return; }
    const id = JSON.parse(r.out).challenge;
    const bundle = await this.exportOf(d, id);
    for (const e of bundle.events) {
      this.written.set(e.id, { device: d.user, challenge: id, kind: e.kind, step });
      this.n.writes++;
    }
    this.challenges.set(id, { police: d.police, opener: d.user });
    this.note(`  ${d.user} opened ${id} against ${other}`);
  }

  async exportOf(d, id) {
    const r = await this.cli(d, ['export', id]);
    if (r.code !== 0) throw new Error(`${d.user}: export ${id}: ${r.err}`);
    return JSON.parse(r.out);
  }

  // ---- the run ------------------------------------------------------------------------------

  async run() {
    const t0 = Date.now();
    for (let step = 0; step < STEPS; step++) {
      this.n.steps = step + 1;
      await this.restartIfDue(step);
      for (const d of this.devices) d.proxy.offline = step < d.offlineUntil;
      const watchdog = setTimeout(() => process.stderr.write(`# campaign: step ${step} has taken 120 s (see ${this.logFile})\n`), 120000);
      await this.step(step);
      clearTimeout(watchdog);
      if (this.killPending) { await this.killPending; this.killPending = null; this.serverDownUntil = step + this.rng.int(0, 3); }
      else this.rng.int(0, 3);   // keep the script's stream independent of kills
    }
    this.runMs = Date.now() - t0;
  }

  async step(step) {
    const rng = this.rng;
    const d = rng.pick(this.devices);
    const roll = rng();
    const pickArg = rng();      // which challenge, which conflict
    const extra = rng.int(0, 1 << 20);
    this.note(`step ${step}: ${d.user} roll ${roll.toFixed(3)}${d.proxy.offline ? ' (offline)' : ''}${this.server.up ? '' : ' (server down)'}`);

    if (d.police) {
      // The police device keeps to its own business: challenges against Community Health.
      const mine = [...this.challenges].filter(([, v]) => v.police).map(([k]) => k);
      if (roll < 0.15 && mine.length < 2) return this.open(d, step);
      if (roll < 0.35 && mine.length) return this.write(d, step, mine[Math.floor(pickArg * mine.length)], ['comment', mine[Math.floor(pickArg * mine.length)], '--text', `police note ${step}`], 'comment');
      return this.sync(d);
    }

    // Thresholds over one roll: the mix of actions.
    const rows = await this.list(d);
    // Escalations and outcomes go to challenges still open below the last stage (the
    // procedure refuses others; those refusals are counted, not failures).
    const open = rows.filter((r) => r.status === 'open' && r.stage < LAST_STAGE);
    const target = rows.length ? rows[Math.floor(pickArg * rows.length)] : null;
    const cut = [
      ['open', rows.length === 0 ? 0.5 : (this.challenges.size < MAX_CHALLENGES ? 0.06 : 0)],
      ['comment', 0.18], ['discuss', 0.08], ['escalate', 0.08], ['twin-escalate', 0.04], ['outcome', 0.015],
      ['settle', 0.05], ['sync', 0.26], ['offline', 0.03], ['burst', 0.06], ['write-during-sync', 0.03],
      ['crash-sync', 0.025], ['kill-mid-sync', 0.03],
    ];
    const total = cut.reduce((s, [, w]) => s + w, 0);
    let acc = 0, action = 'sync';
    for (const [name, w] of cut) { acc += w / total; if (roll < acc) { action = name; break; } }
    if (!target && !['open', 'sync', 'offline', 'burst', 'kill-mid-sync', 'crash-sync'].includes(action)) action = 'open';
    this.note(`  action ${action}`);

    switch (action) {
      case 'open':
        return this.open(d, step);
      case 'comment':
        return this.write(d, step, target.id, ['comment', target.id, '--text', `Comment ${step} from ${d.user}: ${'x'.repeat(extra % 300)}`], 'comment');
      case 'discuss': {
        const other = this.parties.find((p) => p.profile.agency !== d.profile.agency).profile;
        return this.write(d, step, target.id, ['record-discussion', target.id, '--with', `${other.name}|${other.job_title}|${other.agency}`,
          '--method', 'phone', '--summary', `Discussed at step ${step}`, '--agreed', 'no'], 'discussion');
      }
      case 'escalate': {
        if (!open.length) return this.write(d, step, target.id, ['comment', target.id, '--text', `Nothing to escalate at step ${step}`], 'comment');
        const t = open[Math.floor(pickArg * open.length)];
        return this.write(d, step, t.id, ['escalate', t.id, '--reason', `No agreement (step ${step})`, '--tried', 'Phone call'], 'escalate');
      }
      case 'outcome': {
        const t = open.length ? open[Math.floor(pickArg * open.length)] : target;
        return this.write(d, step, t.id, ['record-outcome', t.id, '--outcome', `Outcome ${extra % 3}`], 'outcome');
      }
      case 'settle': {
        const review = rows.filter((r) => r.needs_review);
        if (!review.length) return this.sync(d);
        const t = review[Math.floor(pickArg * review.length)];
        const r = await this.cli(d, ['challenge', 'show', t.id, '--json', '--as-of', AS_OF]);
        const conflict = JSON.parse(r.out).conflicts.find((x) => !x.settled);
        if (!conflict) return;
        const j = await this.write(d, step, t.id, ['settle', t.id, '--conflict', conflict.id, '--decision', `Settled by ${d.user} at step ${step}`], 'settle');
        if (j) this.n.settled++;
        return;
      }
      case 'twin-escalate': {
        // Two devices escalate the same stage without seeing each other (guarantee 4).
        const others = this.parties.filter((p) => p !== d);
        const e = others[extra % others.length];
        const theirs = await this.list(e);
        const same = open.filter((r) => theirs.some((t) => t.id === r.id && t.stage === r.stage && t.status === 'open'));
        if (!same.length) return this.sync(d);
        const t = same[Math.floor(pickArg * same.length)];
        this.n.concurrent_escalations++;
        await this.write(d, step, t.id, ['escalate', t.id, '--reason', `Twin A (step ${step})`, '--tried', 'Phone'], 'escalate');
        await this.write(e, step, t.id, ['escalate', t.id, '--reason', `Twin B (step ${step})`, '--tried', 'Email'], 'escalate');
        return;
      }
      case 'offline': {
        d.offlineUntil = step + 1 + (extra % 15);
        d.proxy.offline = true;
        this.n.offline_periods++;
        this.note(`  ${d.user} offline until step ${d.offlineUntil}`);
        return;
      }
      case 'burst': {
        // Several devices sync at once: their answers pass each other in the proxies.
        this.n.bursts++;
        const group = this.devices.filter((x) => (extra >> x.index) & 1);
        if (!group.includes(d)) group.push(d);
        await Promise.all(group.map((x) => this.sync(x, 'burst')));
        return;
      }
      case 'write-during-sync': {
        this.n.writes_during_sync++;
        const s = this.sync(d, 'sync+write');
        await new Promise((r) => setTimeout(r, extra % 60));
        await this.write(d, step, target.id, ['comment', target.id, '--text', `Written during a sync at step ${step}`], 'comment');
        await s;
        return;
      }
      case 'crash-sync': {
        // The device's process dies mid-sync (guarantee 3: what it saved survives).
        let child;
        const s = this.sync(d, 'crash-sync', (ch) => { child = ch; });
        await new Promise((r) => setTimeout(r, 5 + (extra % 120)));
        if (child && child.exitCode === null) { child.kill('SIGKILL'); this.n.sync_crashes++; }
        await s;
        return;
      }
      case 'kill-mid-sync': {
        if (!this.server.up || this.killPending) return this.sync(d);
        this.n.kills_mid_sync++;
        await this.markBeforeKill();
        const s = this.sync(d, 'kill-mid-sync');
        await new Promise((r) => setTimeout(r, extra % 150));
        await this.killNow(`${extra % 150} ms into a sync of ${d.user}`);
        await s;
        this.serverDownUntil = step + 1 + (extra % 3);
        return;
      }
      default:
        return this.sync(d);
    }
  }

  // ---- heal and compare ----------------------------------------------------------------------

  async heal() {
    this.healing = true;
    await this.restartIfDue(Infinity, true);
    for (const d of this.devices) { d.proxy.chaos = false; d.proxy.offline = false; }
    this.healRounds = 0;
    let quiet = 0;
    while (quiet < 2) {
      this.healRounds++;
      if (this.healRounds > 12) { this.violation('heal: devices still moving events after 12 full sync rounds'); break; }
      let moved = 0;
      for (const d of this.devices) {
        const { r, j } = await this.sync(d, 'heal');
        if (r.code !== 0) { this.violation(`heal: ${d.user} sync failed with the network healed: ${r.err.trim()}`); moved++; continue; }
        moved += j.pushed + j.pulled;
        if (j.pending !== 0) { this.violation(`heal: ${d.user} still has ${j.pending} event(s) only on the device`); moved++; }
      }
      quiet = moved === 0 ? quiet + 1 : 0;
    }
  }

  async check() {
    const v = (t) => this.violation(t);
    const party = new Set([...this.challenges].filter(([, x]) => !x.police).map(([k]) => k));
    const police = new Set([...this.challenges].filter(([, x]) => x.police).map(([k]) => k));
    const hashes = new Map();        // event id -> hash
    const bySeq = new Map();         // device:seq -> event id
    const union = new Map();         // challenge -> Set of ids
    const replicas = new Map();      // device user -> Map challenge -> {ids:Set, show, row}
    const allEvents = new Map();     // id -> event

    for (const d of this.devices) {
      const rows = await this.list(d);
      const mine = new Map();
      for (const row of rows) {
        const b = await this.exportOf(d, row.id);
        const ids = new Set();
        for (const e of b.events) {
          if (ids.has(e.id)) v(`guarantee 2: ${d.user} holds event ${e.id} twice in ${row.id}`);
          ids.add(e.id);
          allEvents.set(e.id, e);
          if (hashes.has(e.id) && hashes.get(e.id) !== e.hash) v(`event ${e.id} has two different hashes across replicas`);
          hashes.set(e.id, e.hash);
          const key = `${e.device}:${e.seq}`;
          if (bySeq.has(key) && bySeq.get(key) !== e.id) v(`guarantee 2: (device, seq) ${key} names two events: ${bySeq.get(key)} and ${e.id}`);
          bySeq.set(key, e.id);
          if (!union.has(row.id)) union.set(row.id, new Set());
          union.get(row.id).add(e.id);
        }
        const show = await this.cli(d, ['challenge', 'show', row.id, '--json', '--as-of', AS_OF]);
        mine.set(row.id, { ids, show: show.out, row: JSON.stringify(row) });
      }
      replicas.set(d.user, mine);
      // The device store is encrypted: its quarantine is counted by the CLI, not sqlite3.
      const st = await this.cli(d, ['sync', 'status', '--json']);
      const quarantined = st.code === 0 ? JSON.parse(st.out).quarantined : NaN;
      if (quarantined !== 0) v(`${d.user}: ${st.code === 0 ? quarantined : st.err.trim()} bundle(s) in the local quarantine`);
    }

    // The server's copy.
    const srv = await this.server.query('SELECT id, challenge, device, seq, hash FROM events');
    const srvIds = new Map();
    for (const [id, ch, dev, seq, hash] of srv) {
      if (srvIds.has(id)) v(`guarantee 2: the server holds event ${id} twice`);
      srvIds.set(id, ch);
      if (hashes.has(id) && hashes.get(id) !== hash) v(`server hash of ${id} differs from the replicas'`);
      const key = `${dev}:${seq}`;
      if (bySeq.has(key) && bySeq.get(key) !== id) v(`guarantee 2: (device, seq) ${key} is ${id} on the server, ${bySeq.get(key)} on a device`);
      if (!union.has(ch)) union.set(ch, new Set());
      union.get(ch).add(id);
    }
    const unionSize = [...union.values()].reduce((s, x) => s + x.size, 0);
    if (srv.length !== unionSize) v(`guarantee 9/1: the server holds ${srv.length} events, the replicas and server together ${unionSize}`);

    // Guarantees 1 and 3: every event any device wrote is everywhere it should be.
    let lost = 0;
    for (const [id, w] of this.written) {
      const isParty = party.has(w.challenge);
      const holders = isParty ? this.parties : [this.police];
      const missing = holders.filter((d) => !replicas.get(d.user).get(w.challenge)?.ids.has(id)).map((d) => d.user);
      if (!srvIds.has(id)) missing.push('server');
      if (missing.length) { lost++; v(`guarantees 1/3: event ${id} (${w.kind} on ${w.challenge}, written by ${w.device} at step ${w.step}) is missing on ${missing.join(', ')}`); }
    }
    // And nothing appeared that nobody wrote.
    for (const [id, ch] of srvIds) if (!this.written.has(id)) v(`server holds event ${id} on ${ch} that no device reported writing`);

    // Guarantee 5 (and convergence): the party replicas agree, event for event and in state.
    for (const ch of party) {
      const ref = this.parties[0];
      for (const d of this.parties) {
        const mine = replicas.get(d.user).get(ch);
        if (!mine) { v(`${d.user} does not hold party challenge ${ch}`); continue; }
        const u = union.get(ch);
        if (mine.ids.size !== u.size) v(`${d.user} holds ${mine.ids.size} of the ${u.size} events of ${ch}`);
        const r0 = replicas.get(ref.user).get(ch);
        if (r0 && d !== ref) {
          if (mine.show !== r0.show) v(`guarantee 5: ${ch} shows differently on ${d.user} and ${ref.user}: ${firstDiff(mine.show, r0.show)}`);
          if (mine.row !== r0.row) v(`guarantee 5: ${ch} lists differently on ${d.user} and ${ref.user}`);
        }
      }
    }
    // Guarantee 8: the police device sees none of them, the parties see none of its own.
    for (const ch of replicas.get(this.police.user).keys())
      if (!police.has(ch)) v(`guarantee 8: ${this.police.user} holds ${ch}, a challenge its agency is not a party to`);
    for (const d of this.parties)
      for (const ch of replicas.get(d.user).keys())
        if (!party.has(ch)) v(`guarantee 8: ${d.user} holds ${ch}, a challenge its agency is not a party to`);
    const policeFeed = await this.server.query(
      "SELECT e.challenge FROM feed f JOIN events e ON e.server_seq = f.event_seq WHERE f.audience = 'Demo Police'");
    for (const [ch] of policeFeed) if (party.has(ch)) { v(`guarantee 8: the Demo Police feed carries ${ch}`); break; }
    // A whole, well-formed push from a signed-in party device is never refused.
    for (const p of this.pushLog)
      if (p.state === 'refused' && p.status >= 400 && p.status < 500)
        v(`a push of ${p.ids.length} event(s) from ${p.device} was refused: ${p.status} ${p.code}`);
    const quarantine = await this.server.query('SELECT code, count(*) FROM quarantine GROUP BY code');
    this.serverQuarantine = quarantine.map(([code, n]) => `${code} ${n}`).join(', ') || 'none';
    await this.intruder(party, v);

    // Guarantee 4: every pair of concurrent incompatible transitions shows as a conflict.
    const conflictsSeen = new Set();
    for (const ch of party) {
      const r0 = replicas.get(this.parties[0].user).get(ch);
      if (!r0) continue;
      const show = JSON.parse(r0.show);
      for (const c of show.conflicts) conflictsSeen.add(c.id);
      const evs = [...union.get(ch)].map((id) => allEvents.get(id)).filter(Boolean);
      const anc = ancestors(evs);
      const concurrent = (a, b) => !anc.get(a.id).has(b.id) && !anc.get(b.id).has(a.id);
      const esc = evs.filter((e) => e.kind === 'escalated');
      const outs = evs.filter((e) => e.kind === 'outcome_agreed');
      const pairs = [];
      for (let i = 0; i < esc.length; i++)
        for (let k = i + 1; k < esc.length; k++)
          if (esc[i].body.from_stage === esc[k].body.from_stage && concurrent(esc[i], esc[k])) pairs.push(['concurrent_escalations', esc[i], esc[k]]);
      for (const a of esc) for (const b of outs) if (concurrent(a, b)) pairs.push(['escalation_and_outcome', a, b]);
      for (let i = 0; i < outs.length; i++)
        for (let k = i + 1; k < outs.length; k++)
          if (outs[i].body.outcome !== outs[k].body.outcome && concurrent(outs[i], outs[k])) pairs.push(['different_outcomes', outs[i], outs[k]]);
      this.n.concurrent_pairs = (this.n.concurrent_pairs || 0) + pairs.length;
      for (const [kind, a, b] of pairs) {
        const c = show.conflicts.find((x) => x.kind === kind && x.events.includes(a.id) && x.events.includes(b.id));
        if (!c) v(`guarantee 4: ${ch}: ${kind} ${a.id} / ${b.id} are concurrent but no conflict shows`);
        else if (!c.settled && !show.needs_review) v(`guarantee 4: ${ch}: conflict ${c.id} is open but the challenge does not need review`);
        else if (c.settled && !evs.some((e) => e.id === c.settled_by && e.kind === 'review_settled')) v(`guarantee 4: ${ch}: conflict ${c.id} settled without a person's review_settled event`);
      }
    }
    return { violations: this.violations, lost, conflictsSeen: conflictsSeen.size, events: unionSize, serverEvents: srv.length };
  }

  // Guarantee 8, writing: a police device that got hold of a party challenge (imported
  // from a bundle) comments and syncs; the server refuses, stores nothing of it, and no
  // party device ever receives the comment.
  async intruder(party, v) {
    const ch = [...party][0];
    if (!ch) return;
    const db = path.join(this.dir, 'intruder.db');
    const d = { user: 'police-intruder', db };
    const pw = this.server.passwords['police-lead'];
    let r = await runCli(this.bins.cli, db, ['login', '--server', `http://127.0.0.1:${this.port}`, '--user', 'police-lead', '--password-stdin', '--json'], { input: pw + '\n' });
    if (r.code !== 0) return v(`intruder login failed: ${r.err}`);
    const file = path.join(this.dir, 'leaked.json');
    fs.writeFileSync(file, JSON.stringify(await this.exportOf(this.parties[0], ch)));
    r = await runCli(this.bins.cli, db, ['import', file]);
    if (r.code !== 0) return v(`intruder import failed: ${r.err}`);
    r = await runCli(this.bins.cli, db, ['challenge', 'comment', ch, '--text', 'should never arrive', '--json']);
    if (r.code !== 0) {
      // The intruder's own client refuses first (core/event_rules.h: the author's agency must
      // be a party). The server's refusal of a hand-made event is proved by
      // tests/server/attacks.test.mjs and api.test.mjs (not_a_party).
      if (/is not a party to challenge/.test(r.err)) {
        this.intruderResult = `refused on the intruder's own device: ${r.err.trim().replace(/^parley: /, '')}`;
        return;
      }
      return v(`intruder comment failed locally: ${r.err}`);
    }
    const id = JSON.parse(r.out).event;
    const before = (await this.server.query('SELECT count(*) FROM events'))[0][0];
    r = await runCli(this.bins.cli, db, ['sync', '--json']);
    const after = (await this.server.query('SELECT count(*) FROM events'))[0][0];
    if (r.code === 0) v(`guarantee 8: the server accepted a sync carrying a non-party's comment on ${ch}`);
    if (before !== after) v(`guarantee 8: the server stored ${after - before} event(s) from a non-party`);
    const there = await this.server.query(`SELECT count(*) FROM events WHERE id = '${id}'`);
    if (there[0][0] !== '0') v(`guarantee 8: the non-party's comment ${id} is on the server`);
    for (const p of this.parties) {
      const s = await this.sync(p, 'after-intruder');
      if (s.j && s.j.pulled) v(`guarantee 8: ${p.user} pulled ${s.j.pulled} event(s) after the intruder's push`);
    }
    this.intruderResult = r.err.trim().replace(/^parley: /, '');
  }

  printSummary(report) {
    const s = this.stats;
    const rows = [
      ['seed', SEED], ['steps', this.n.steps], ['run time (s)', ((this.runMs || 0) / 1000).toFixed(1)],
      ['devices', `${this.devices.length} (${this.devices.map((d) => d.user).join(', ')})`],
      ['challenges opened', `${this.challenges.size} (${[...this.challenges.values()].filter((x) => x.police).length} police-only)`],
      ['events written', this.written.size], ['local writes refused', this.n.writes_refused],
      ['writes during own sync', this.n.writes_during_sync],
      ['syncs attempted / failed', `${this.n.syncs} / ${this.n.syncs_failed}`],
      ['client processes killed mid-sync', this.n.sync_crashes],
      ['requests through proxies', s.requests], ['  dropped', s.dropped || 0], ['  cut request bodies', s.cut_requests || 0],
      ['  lost acks', s.lost_acks || 0], ['  cut responses', s.cut_responses || 0], ['  duplicated', s.duplicated || 0],
      ['  delayed (reordered)', s.delayed || 0], ['  stale push replays', s.replayed || 0],
      ['  refused while offline', s.offline_refused || 0], ['  server unreachable', s.upstream_failed || 0],
      ['offline periods', this.n.offline_periods], ['concurrent bursts', this.n.bursts],
      ['server SIGKILLs (in a push / mid-sync)', `${this.server.kills} (${this.n.kills_on_push} / ${this.n.kills_mid_sync})`],
      ['pushes cut by a kill: stored whole / absent / partial', `${this.n.cut_pushes_whole} / ${this.n.cut_pushes_absent} / ${this.n.cut_pushes_partial}`],
      ['twin escalations made', this.n.concurrent_escalations],
      ['concurrent transition pairs (test\'s own count)', this.n.concurrent_pairs || 0], ['conflicts at the end', report.conflictsSeen],
      ['challenges seen needing review', this.n.needs_review_seen], ['conflicts settled', this.n.settled],
      ['heal rounds', this.healRounds], ['events on the server / union', `${report.serverEvents} / ${report.events}`],
      ['bundles quarantined on devices', this.n.quarantined], ['server quarantine (before intruder)', this.serverQuarantine],
      ['push answers 4xx/5xx', Object.entries(s).filter(([k]) => k.startsWith('push_')).map(([k, x]) => `${k.slice(5)} ${x}`).join(', ') || 'none'],
      ['events lost', report.lost],
      ['non-party push', this.intruderResult || '-'], ['violations', report.violations.length],
    ];
    const w = Math.max(...rows.map(([k]) => k.length));
    const out = ['# fault campaign summary', ...rows.map(([k, x]) => `#   ${k.padEnd(w)}  ${x}`)];
    const f = Object.entries(this.failures).sort((a, b) => b[1] - a[1]);
    if (f.length) out.push('# sync failures by message:', ...f.map(([k, x]) => `#   ${String(x).padStart(4)}  ${k}`));
    const rf = Object.entries(this.refusals).sort((a, b) => b[1] - a[1]);
    if (rf.length) out.push('# local refusals by message:', ...rf.map(([k, x]) => `#   ${String(x).padStart(4)}  ${k}`));
    console.log(out.join('\n'));
    if (process.env.PARLEY_TEST_OUTPUT) {
      try {
        fs.mkdirSync(process.env.PARLEY_TEST_OUTPUT, { recursive: true });
        fs.writeFileSync(path.join(process.env.PARLEY_TEST_OUTPUT, 'fault-campaign.txt'), out.join('\n') + '\n');
      } catch { /* the summary on stdout is enough */ }
    }
  }
}

// Ancestors of each event through its parents (events from the export, all of one challenge).
function ancestors(events) {
  const byId = new Map(events.map((e) => [e.id, e]));
  const memo = new Map();
  const visit = (id) => {
    if (memo.has(id)) return memo.get(id);
    const set = new Set();
    memo.set(id, set);
    for (const p of byId.get(id)?.parents || []) {
      set.add(p);
      for (const q of visit(p)) set.add(q);
    }
    return set;
  };
  for (const e of events) visit(e.id);
  return memo;
}

function firstDiff(a, b) {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `at char ${i}: …${a.slice(Math.max(0, i - 60), i + 60)}… vs …${b.slice(Math.max(0, i - 60), i + 60)}…`;
}
