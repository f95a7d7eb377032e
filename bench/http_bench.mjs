// bench/http_bench.mjs — parley-server's HTTP layer under slow and many clients, over
// loopback. Prints figures; asserts nothing (bench/README.md, docs/performance.md "HTTP
// layer under slow and many clients").
//
//   node bench/http_bench.mjs [--only slow,noop,page,push] [--slow N] [--devices N]
//
// Sections, each on a fresh server started with --demo:
//   slow  N [200] connections that send a header line every 5 s, never ending their
//         request (reopened when the server closes them), from 127.0.0.2..127.0.0.9 so the
//         per-address cap is not what protects the server; held 30 s while /api/health is
//         probed 4x/s from 127.0.0.1 on new connections: % answered within 1 s, p50/p99.
//   noop  N [200] devices (sign-ins with the demo users, each from one of 127.0.0.10..17)
//         each pulling GET /api/pull?cursor=<latest> in a loop for 20 s: p50/p95/p99.
//   page  the same devices pulling a 100-event page (one challenge of 100 events pushed
//         first by an agency the devices' users belong to or are challenged by).
//   push  one device pushing 2,000 events (20 challenges x 100) back to back for 10 s while
//         /api/health is probed 10x/s: the probes' p50/p99 (the store holds its one
//         mutex for a whole push).
//   noop and page run twice: closed loop (each device sends its next pull as soon as the
//   last is answered: the server and this one node process saturate the 2 cores, so the
//   latency is mostly queueing, = devices / throughput), then paced at --rate R [1]
//   pulls a second per device (still far more than a real client, which syncs every
//   ~30 s), which shows the latency of a pull on a server that is not saturated.
//   --closed 0 skips the closed-loop runs; --clients N [1] spreads the devices over N
//   load processes (one node process decoding 100-event pages saturates a core).
// Variables:
//   PARLEY_SERVER_BIN [build/native-release/tools/server/parley-server] — any build,
//                     including the old cpp-httplib one (it takes the same flags)
//   PARLEY_CLI_BIN    [build/native-release/parley, else build/native-debug/parley]: the
//                     procedure digest for the seeded events (DEFAULT_PROCEDURE without it)
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startParleyServer, demoCredentials } from './sync_parley.mjs';
import { Device, makeChallenges, verifyAgainstCli, DEFAULT_PROCEDURE } from './sync_workload.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// PARLEY_BENCH_GZIP=0: devices do not ask for gzip (to see what compression costs).
const GZIP = process.env.PARLEY_BENCH_GZIP !== '0';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
if (process.argv[2] === '--load') await loadChild(process.argv[3]);   // a load run (below)
const opts = { only: 'slow,noop,page,push', slow: 200, devices: 200, hold: 30, pull: 20, rate: 1, closed: 1, clients: 1 };
for (let i = 2; i < process.argv.length; i++) {
  const m = /^--([a-z]+)(?:=(.*))?$/.exec(process.argv[i]);
  if (!m || !(m[1] in opts)) { console.error(`unknown flag ${process.argv[i]}; see the top of bench/http_bench.mjs`); process.exit(2); }
  const v = m[2] ?? process.argv[++i];
  opts[m[1]] = typeof opts[m[1]] === 'number' ? Number(v) : v;
}
const firstExisting = (...ps) => ps.find((p) => fs.existsSync(p)) ?? ps[0];
const SERVER_BIN = process.env.PARLEY_SERVER_BIN || path.join(ROOT, 'build/native-release/tools/server/parley-server');
const CLI_BIN = process.env.PARLEY_CLI_BIN || firstExisting(path.join(ROOT, 'build/native-release/parley'), path.join(ROOT, 'build/native-debug/parley'));
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-http-bench-'));
const log = (...a) => console.log(...a);

function pct(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
// CPU time (user + system) the process has used, in ms.
function cpuMs(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
}
const fmt = (ms) => (Number.isFinite(ms) ? `${ms.toFixed(ms < 10 ? 1 : 0)} ms` : '—');

// The server's own request log gives its time for each pull (headers read to answer
// written), next to what the client saw.
const servers = new Set();   // killed if this process ends early (an exception)
process.on('exit', () => { for (const s of servers) s.child.kill('SIGKILL'); });

async function startServer(tag) {
  const srv = await startParleyServer(SERVER_BIN, path.join(TMP, tag));
  servers.add(srv);
  srv.child.on('exit', () => servers.delete(srv));
  const pullMs = [];
  let rest = '';
  srv.child.stderr.on('data', (d) => {
    const lines = (rest + d).split('\n');
    rest = lines.pop();
    for (const l of lines) {
      const m = /"ms":([\d.]+),"path":"\/api\/pull"/.exec(l);
      if (m) pullMs.push(Number(m[1]));
    }
  });
  return { ...srv, pullMs, url: `http://127.0.0.1:${srv.port}`, creds: demoCredentials(srv.banner) };
}
async function stopServer(srv) {
  const exited = new Promise((r) => srv.child.on('exit', r));
  srv.stop();
  await Promise.race([exited, sleep(10000).then(() => srv.child.kill('SIGKILL'))]);
}

// ---- section 1: slow connections ------------------------------------------------------

// A connection that starts a request and sends one more header line every `everyMs`.
function trickle(port, localAddress, everyMs) {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1', localAddress });
    let n = 0, timer;
    sock.on('connect', () => {
      sock.write('GET /api/health HTTP/1.1\r\nHost: bench\r\n');
      timer = setInterval(() => sock.write(`X-Slow-${n++}: ${'s'.repeat(40)}\r\n`), everyMs);
    });
    sock.on('error', () => {});
    sock.on('close', () => { clearInterval(timer); resolve(); });
    trickle.live.add(sock);
    sock.on('close', () => trickle.live.delete(sock));
  });
}
trickle.live = new Set();

// GET /api/health on a new connection; resolves to ms, or Infinity after timeoutMs.
function probe(port, timeoutMs = 5000) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = http.get({ host: '127.0.0.1', port, path: '/api/health', agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200 ? performance.now() - t0 : Infinity));
    });
    req.on('timeout', () => { req.destroy(); resolve(Infinity); });
    req.on('error', () => resolve(Infinity));
  });
}

async function slowSection() {
  const srv = await startServer('slow');
  const until = Date.now() + opts.hold * 1000;
  let opened = 0, over = false;
  // Each slot reopens its connection when the server closes it, as an attacker would.
  const slot = async (i) => {
    const from = `127.0.0.${2 + (i % 8)}`;
    while (!over) { opened++; await trickle(srv.port, from, 5000); }
  };
  const slots = Array.from({ length: opts.slow }, (_, i) => slot(i));
  await sleep(1000);
  const probes = [];
  while (Date.now() < until - 1000) { probes.push(probe(srv.port)); await sleep(250); }
  const ms = (await Promise.all(probes)).sort((a, b) => a - b);
  over = true;
  for (const s of trickle.live) s.destroy();
  await Promise.all(slots);
  await stopServer(srv);
  const within = ms.filter((x) => x <= 1000).length;
  return {
    probes: ms.length, within1s: within, percent: (100 * within) / ms.length, p50: pct(ms, 50), p99: pct(ms, 99),
    slowOpened: opened,
  };
}

// ---- sections 2 and 3: many devices ---------------------------------------------------

// A device: its own keep-alive connection from its own source address, a token. With
// `once`, a request goes on a connection of its own, closed after it (set-up requests:
// an idle kept-alive connection holds one of the old server's 8 threads for 5 s).
function deviceClient(url, localAddress) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const u = new URL(url);
  const request = (method, p, body, token, { once = false } = {}) => new Promise((resolve, reject) => {
    const data = body === undefined ? null : Buffer.from(JSON.stringify(body));
    const headers = { Accept: 'application/json' };
    if (GZIP) headers['Accept-Encoding'] = 'gzip';
    if (token) headers.Authorization = `Bearer ${token}`;
    if (data) { headers['Content-Type'] = 'application/json'; headers['Content-Length'] = data.length; }
    if (once) headers.Connection = 'close';
    const options = { host: u.hostname, port: u.port, method, path: p, headers, agent: once ? false : agent, localAddress };
    const req = http.request(options, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        let buf = Buffer.concat(chunks);
        if (res.headers['content-encoding'] === 'gzip') buf = zlib.gunzipSync(buf);
        else if (res.headers['content-encoding'] === 'br') buf = zlib.brotliDecompressSync(buf);
        let json = null;
        try { json = JSON.parse(buf.toString('utf8')); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, json, headers: res.headers });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(data ?? undefined);
  });
  return { request, close: () => agent.destroy() };
}

// Signs in `count` devices as `usernames` (round robin), 8 at a time;
// a 429 or 503 is retried after its Retry-After.
async function signInDevices(srv, count, usernames) {
  const devices = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const c = srv.creds.find((x) => x.username === usernames[i % usernames.length]);
      const client = deviceClient(srv.url, `127.0.0.${10 + (i % 8)}`);
      const id = `bench-http-${i}`;
      for (let attempt = 0; ; attempt++) {
        const r = await client.request('POST', '/api/login', { username: c.username, password: c.password, device: id, device_name: 'bench' },
          undefined, { once: true });
        if (r.status === 200) {
          devices.push({ client, localAddress: `127.0.0.${10 + (i % 8)}`, token: r.json.token, user: r.json.user, device: r.json.device || id });
          break;
        }
        if ((r.status !== 429 && r.status !== 503) || attempt > 50) throw new Error(`sign-in ${c.username}: ${r.status} ${JSON.stringify(r.json)}`);
        await sleep(1000 * Number(r.headers['retry-after'] || 1));
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return devices;
}

// ---- a load run, in a process of its own --------------------------------------------
// Each run of pulls is made by a fresh node process (this file with --load FILE): after a
// closed-loop run, the same process measured 20-90 ms more per request for the paced run
// that followed, while a fresh one measured 2 ms against the same server (a client-side
// artefact, not understood). It also keeps this process free to read the server's log.

// Child side: every device pulls its cursor for `seconds`, back to back, or one every
// `everyMs` (a random phase each; a late pull is sent at once). Writes a JSON summary.
async function loadChild(file) {
  const { url, devices, seconds, expectEvents, everyMs } = JSON.parse(fs.readFileSync(file, 'utf8'));
  const until = Date.now() + seconds * 1000;
  const late = sleep(seconds * 1000 + 5000).then(() => 'late');   // one timer for every request
  const ms = [];
  let failed = 0, wrong = 0, pending = 0;
  const failures = {};
  const perDevice = [];
  const loop = async (d) => {
    const client = deviceClient(url, d.localAddress);
    let answered = 0, next = Date.now() + Math.random() * everyMs;
    while (Date.now() < until) {
      if (everyMs) {
        await sleep(Math.max(0, next - Date.now()));
        next += everyMs;
        if (Date.now() >= until) break;
      }
      pending++;
      const t0 = performance.now();
      const r = await Promise.race([client.request('GET', `/api/pull?cursor=${d.cursor}`, undefined, d.token).catch(() => null), late]);
      if (r === 'late') { perDevice.push(answered); return; }
      pending--;
      if (!r || r.status !== 200) {
        failed++;
        const why = r ? String(r.status) : 'error';
        failures[why] = (failures[why] || 0) + 1;
        await sleep(100);
        continue;
      }
      if (r.json.bundles.reduce((k, b) => k + b.events.length, 0) !== expectEvents) wrong++;
      ms.push(performance.now() - t0);
      answered++;
    }
    perDevice.push(answered);
    client.close();
  };
  await Promise.all(devices.map(loop));
  // Exit only once the pipe has taken it all (a write to a pipe is asynchronous).
  process.stdout.write(JSON.stringify({ ms, perDevice, failed, failures, wrong, unanswered: pending }), () => process.exit(0));
  await new Promise(() => {});
}

// Parent side: runs one load child against `srv`, adding the server's CPU per request
// and its own view of each pull's time (its request log).
async function pullLoad(srv, devices, cursorOf, seconds, expectEvents, everyMs = 0) {
  const cpu0 = cpuMs(srv.child.pid);
  srv.pullMs.length = 0;
  // --clients N processes, each with every Nth device.
  const runs = Array.from({ length: opts.clients }, (_, k) => {
    const file = path.join(TMP, `load-${Date.now()}-${k}.json`);
    fs.writeFileSync(file, JSON.stringify({ url: srv.url, seconds, expectEvents, everyMs,
      devices: devices.filter((_, i) => i % opts.clients === k)
        .map((d) => ({ token: d.token, cursor: cursorOf(d), localAddress: d.localAddress })) }));
    return promisify(execFile)(process.execPath, [fileURLToPath(import.meta.url), '--load', file],
      { encoding: 'utf8', env: process.env, maxBuffer: 64 << 20 }).then(({ stdout }) => JSON.parse(stdout));
  });
  const parts = await Promise.all(runs);
  const serverCpu = cpuMs(srv.child.pid) - cpu0;
  const ms = parts.flatMap((p) => p.ms).sort((a, b) => a - b);
  const perDevice = parts.flatMap((p) => p.perDevice).sort((a, b) => a - b);
  const failures = {};
  for (const p of parts) for (const [k, v] of Object.entries(p.failures)) failures[k] = (failures[k] || 0) + v;
  const sum = (key) => parts.reduce((n, p) => n + p[key], 0);
  const inServer = [...srv.pullMs].sort((a, b) => a - b);
  return { requests: ms.length, perSecond: ms.length / seconds, p50: pct(ms, 50), p95: pct(ms, 95), p99: pct(ms, 99),
    max: ms[ms.length - 1], failed: sum('failed'), failures, wrong: sum('wrong'), unanswered: sum('unanswered'),
    devicesServed: perDevice.filter((n) => n > 0).length, fewestPerDevice: perDevice[0], medianPerDevice: pct(perDevice, 50),
    serverCpuPerRequest: serverCpu / Math.max(1, ms.length), serverP50: pct(inServer, 50), serverP99: pct(inServer, 99) };
}

// The Board, procedure and digest the events name: as the CLI writes them, if it runs.
function procedure() {
  try {
    if (fs.existsSync(CLI_BIN)) return verifyAgainstCli(CLI_BIN).proc;
  } catch (e) {
    log(`(the CLI at ${CLI_BIN} failed, ${e.message}; using DEFAULT_PROCEDURE)`);
  }
  return DEFAULT_PROCEDURE;
}

// One challenge of 100 events by `seeder` (an agency's device), challenging `challenged`.
async function seedHundred(seeder, challenged) {
  const proc = procedure();
  const u = seeder.user;
  const author = { name: u.name, job_title: u.job_title || '', agency: u.agency, role: u.role || '' };
  const device = new Device({ id: seeder.device, author, seed: 7 });
  const [c] = makeChallenges({ device, count: 1, eventsEach: 100, proc, challengedAgency: challenged, prefix: `H${Date.now() % 100000}-` });
  const bundle = { format: 'parley-bundle', version: 1, board: proc.board, procedure: proc.procedure, challenge: c.id, events: c.events };
  const r = await seeder.client.request('POST', '/api/push', { format: 'parley-push', version: 1, epoch: null, bundles: [bundle] },
    seeder.token, { once: true });
  if (r.status !== 200 || r.json.added !== 100) throw new Error(`seeding: ${r.status} ${JSON.stringify(r.json).slice(0, 300)}`);
}

async function devicesSections(only) {
  const srv = await startServer('devices');
  // Users of two agencies: the challenger's and the challenged one's both see the page.
  const users = srv.creds.map((c) => c.username).filter((n) => /^(asc|housing)-/.test(n));
  if (!users.length) throw new Error(`no asc-/housing- demo users in the banner:\n${srv.banner}`);
  const t0 = Date.now();
  const devices = await signInDevices(srv, opts.devices, users);
  const out = { signInSeconds: (Date.now() - t0) / 1000 };
  const latest = new Map();
  for (const d of devices) {
    const r = await d.client.request('GET', '/api/pull?cursor=0', undefined, d.token, { once: true });
    latest.set(d, r.json.cursor);
  }
  const paced = 1000 / opts.rate;
  if (only.includes('noop')) {
    if (opts.closed) out.noop = await pullLoad(srv, devices, (d) => latest.get(d), opts.pull, 0);
    out.noopPaced = await pullLoad(srv, devices, (d) => latest.get(d), opts.pull, 0, paced);
  }
  if (only.includes('page')) {
    const seeder = devices.find((d) => d.user.agency === 'Demo Adult Social Care');
    await seedHundred(seeder, 'Demo Housing Trust');
    if (opts.closed) out.page = await pullLoad(srv, devices, (d) => latest.get(d), opts.pull, 100);
    out.pagePaced = await pullLoad(srv, devices, (d) => latest.get(d), opts.pull, 100, paced);
  }
  for (const d of devices) d.client.close();
  await stopServer(srv);
  return out;
}

// ---- section 4: health while pushes run --------------------------------------------

async function pushSection() {
  const srv = await startServer('push');
  const [seeder] = await signInDevices(srv, 1, ['asc-practitioner']);
  const proc = procedure();
  const u = seeder.user;
  const device = new Device({ id: seeder.device, author: { name: u.name, job_title: u.job_title || '', agency: u.agency, role: u.role || '' }, seed: 9 });
  let over = false, k = 0;
  const pushMs = [];
  const pusher = (async () => {
    while (!over) {
      const cs = makeChallenges({ device, count: 20, eventsEach: 100, proc, challengedAgency: 'Demo Housing Trust', prefix: `P${k++}-` });
      const bundles = cs.map((c) => ({ format: 'parley-bundle', version: 1, board: proc.board, procedure: proc.procedure, challenge: c.id, events: c.events }));
      const t0 = performance.now();
      const r = await seeder.client.request('POST', '/api/push', { format: 'parley-push', version: 1, epoch: null, bundles }, seeder.token, { once: true });
      if (r.status !== 200) throw new Error(`push: ${r.status} ${JSON.stringify(r.json).slice(0, 300)}`);
      pushMs.push(performance.now() - t0);
    }
  })();
  const probes = [];
  for (let i = 0; i < 100; i++) { probes.push(probe(srv.port)); await sleep(100); }
  const ms = (await Promise.all(probes)).sort((a, b) => a - b);
  over = true;
  await pusher;
  await stopServer(srv);
  pushMs.sort((a, b) => a - b);
  return { pushes: pushMs.length, pushP50: pct(pushMs, 50), p50: pct(ms, 50), p99: pct(ms, 99), max: ms[ms.length - 1] };
}

// ---- main -------------------------------------------------------------------------------

const only = opts.only.split(',');
log(`server ${SERVER_BIN}`);
log(`machine: ${os.cpus().length} cores, load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
try {
  if (only.includes('slow')) {
    const s = await slowSection();
    log(`\n(1) ${opts.slow} slow connections for ${opts.hold} s (${s.slowOpened} opened in all), /api/health 4x/s:`);
    log(`    answered within 1 s: ${s.within1s}/${s.probes} = ${s.percent.toFixed(1)} %; p50 ${fmt(s.p50)}, p99 ${fmt(s.p99)}`);
  }
  if (only.includes('noop') || only.includes('page')) {
    const d = await devicesSections(only);
    log(`\n${opts.devices} devices signed in in ${d.signInSeconds.toFixed(1)} s`);
    const runs = [['noop', '(2) no-op pulls, closed loop'], ['noopPaced', `(2) no-op pulls, ${opts.rate}/s per device`],
      ['page', '(3) 100-event pages, closed loop'], ['pagePaced', `(3) 100-event pages, ${opts.rate}/s per device`]];
    for (const [key, title] of runs) {
      const r = d[key];
      if (!r) continue;
      log(`${title}, ${opts.devices} devices for ${opts.pull} s: ${r.requests} answered (${r.perSecond.toFixed(0)}/s), ` +
        `devices served ${r.devicesServed}/${opts.devices}, answers per device: fewest ${r.fewestPerDevice}, median ${r.medianPerDevice}`);
      log(`    p50 ${fmt(r.p50)}, p95 ${fmt(r.p95)}, p99 ${fmt(r.p99)}, max ${fmt(r.max)}; ` +
        `failed ${r.failed}${r.failed ? ` ${JSON.stringify(r.failures)}` : ''}, wrong size ${r.wrong}, unanswered at the end ${r.unanswered}; ` +
        `server CPU ${r.serverCpuPerRequest.toFixed(2)} ms a request`);
      log(`    in the server (its log: headers read to answer written): p50 ${fmt(r.serverP50)}, p99 ${fmt(r.serverP99)}`);
    }
  }
  if (only.includes('push')) {
    const p = await pushSection();
    log(`\n(4) /api/health 10x/s while 2,000-event pushes run back to back (${p.pushes} pushes, p50 ${fmt(p.pushP50)} each):`);
    log(`    p50 ${fmt(p.p50)}, p99 ${fmt(p.p99)}, max ${fmt(p.max)}`);
  }
} finally {
  fs.rmSync(TMP, { recursive: true, force: true });
}
