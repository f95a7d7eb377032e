// bench/sync_workload.mjs — synthetic Parley events for bench/sync_bench.mjs.
//
// Every event is a real parley-bundle event (core/event.h): a `challenge_opened` followed
// by `comment`s, chained by parents/parent_hashes, with a valid `hash`: SHA-256 of the
// canonical JSON (keys sorted by byte, no spaces, UTF-8, without "hash"), as
// core/event.cpp content_hash computes it. The bench checks this JS hash against events the
// real CLI wrote (verifyAgainstCli) before it uses it. All text is generated from a fixed
// word list by a seeded PRNG: synthetic, never about real people.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

export function canonical(v) {
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
  if (v !== null && typeof v === 'object') {
    // Keys are ASCII here, so UTF-16 order = byte order.
    return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + canonical(v[k])).join(',') + '}';
  }
  return JSON.stringify(v);
}

export function contentHash(ev) {
  const { hash, ...rest } = ev;
  return crypto.createHash('sha256').update(canonical(rest), 'utf8').digest('hex');
}

// mulberry32: small deterministic PRNG.
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'referral meeting agreed discussed manager team plan review strategy contact visit home ' +
  'school health police council practitioner threshold assessment outcome escalation ' +
  'timescale information sharing consent decision record follow action partnership ' +
  'concern response professional procedure stage deadline written telephone email ' +
  'weekly support family worker advice guidance checked confirmed requested pending ' +
  'the a of to and in on for with by from was were is will has have not'
).split(' ');

function sentence(r, minChars, maxChars) {
  const target = minChars + Math.floor(r() * (maxChars - minChars));
  const out = [];
  let len = 0;
  while (len < target) {
    const w = WORDS[Math.floor(r() * WORDS.length)];
    out.push(w);
    len += w.length + 1;
  }
  const s = out.join(' ');
  return s[0].toUpperCase() + s.slice(1) + '.';
}

function hex(r, n) {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(r() * 16).toString(16);
  return s;
}

// Fallbacks when the CLI is not available to tell us the shipped procedure's values.
export const DEFAULT_PROCEDURE = {
  board: 'Shropshire Safeguarding Community Partnership',
  procedure: 'shropshire-sscp',
  procedure_digest: 'ccc9109b3e24be7714036a68baeba1bab88e25d620e4be48054071e4cf48dd25',
};

// A device that writes events: seq and hlc advance across all its challenges.
export class Device {
  constructor({ id, author, seed, startMs = 1768910400000 }) {
    this.id = id;
    this.author = author; // {name, job_title, agency, role}
    this.r = rng(seed);
    this.seq = 0;
    this.ms = startMs;
    this.counter = 0;
  }
  #stamp() {
    this.seq += 1;
    this.ms += 1 + Math.floor(this.r() * 1000);
    return { seq: this.seq, hlc: [this.ms, 0], at: this.ms - 3600000 };
  }
  #finish(ev) {
    ev.hash = contentHash(ev);
    return ev;
  }
  open(challengeId, proc, challengedAgency, index) {
    const s = this.#stamp();
    return this.#finish({
      id: hex(this.r, 32),
      challenge: challengeId,
      device: this.id,
      seq: s.seq,
      kind: 'challenge_opened',
      at: s.at,
      hlc: s.hlc,
      author: this.author,
      parents: [],
      parent_hashes: [],
      body: {
        board: proc.board,
        category: 'response_to_referral',
        challenged: { agency: challengedAgency, name: `Jo Sample ${String(index).padStart(5, '0')}` },
        challenger: { agency: this.author.agency, job_title: this.author.job_title || 'Social Worker', name: this.author.name },
        imminent_risk: false,
        procedure: proc.procedure,
        procedure_digest: proc.procedure_digest,
        risk: 'standard',
        subject: { kind: 'adult', name: `Alex Testperson ${String(index).padStart(5, '0')}` },
        summary: sentence(this.r, 60, 200),
      },
    });
  }
  // A comment of 150-550 characters: the whole event is then ~0.6-1.0 KB of JSON.
  comment(challengeId, heads) {
    const s = this.#stamp();
    return this.#finish({
      id: hex(this.r, 32),
      challenge: challengeId,
      device: this.id,
      seq: s.seq,
      kind: 'comment',
      at: s.at,
      hlc: s.hlc,
      author: this.author,
      parents: heads.map((e) => e.id),
      parent_hashes: heads.map((e) => e.hash),
      body: { text: sentence(this.r, 150, 550) },
    });
  }
}

// N challenges x M events (1 opened + M-1 comments, each parented on the previous one).
// Returns [{id, events: [...]}].
export function makeChallenges({ device, count, eventsEach, proc, challengedAgency, prefix }) {
  const out = [];
  for (let i = 0; i < count; i++) {
    const id = `${prefix}${String(i).padStart(6, '0')}`;
    const events = [device.open(id, proc, challengedAgency, i)];
    for (let k = 1; k < eventsEach; k++) events.push(device.comment(id, [events[events.length - 1]]));
    out.push({ id, events });
  }
  return out;
}

// K comments by `device` on each challenge, appended offline after the challenge's last
// known event (so two devices doing this diverge from the same head).
export function appendOffline({ device, challenges, k }) {
  return challenges.map((c) => {
    const events = [];
    let head = c.events[c.events.length - 1];
    for (let i = 0; i < k; i++) {
      const e = device.comment(c.id, [head]);
      events.push(e);
      head = e;
    }
    return { id: c.id, events };
  });
}

export function eventBytes(challenges) {
  let n = 0, bytes = 0;
  for (const c of challenges) for (const e of c.events) { n++; bytes += Buffer.byteLength(JSON.stringify(e)); }
  return { n, bytes };
}

export function bundle(c, proc) {
  return { format: 'parley-bundle', version: 1, board: proc.board, procedure: proc.procedure, challenge: c.id, events: c.events };
}

// Writes one challenge with the real CLI, checks that contentHash() reproduces the hashes
// it wrote, and returns the board/procedure/digest the CLI put in challenge_opened.
export function verifyAgainstCli(cliBin) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-syncbench-cli-'));
  const db = path.join(dir, 'c.db');
  const env = { ...process.env, PARLEY_NOW: '2026-01-20T12:00' };
  const run = (...args) => execFileSync(cliBin, ['--db', db, ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const opened = JSON.parse(run('--json', 'challenge', 'open', '--procedure', 'shropshire-sscp', '--imminent-risk', 'no',
      '--subject-name', 'Alex Testperson', '--subject-kind', 'adult', '--challenger-name', 'Sam Example',
      '--challenger-job-title', 'Social Worker', '--challenger-agency', 'Northshire Council Adult Social Care',
      '--challenged-agency', 'Northshire Police', '--challenged-name', 'Jo Sample', '--category', 'response_to_referral',
      '--summary', 'Referral closed without contact', '--at', '2025-12-24T10:00'));
    run('identity', 'set', '--name', 'Sam Example', '--agency', 'Northshire Council Adult Social Care', '--role', 'practitioner');
    for (let i = 0; i < 3; i++) run('challenge', 'comment', opened.challenge, '--text', `Synthetic note ${i}: caf\u00e9 \u2014 "quoted" \\ tab\there`, '--at', `2025-12-24T1${i}:00`);
    const out = path.join(dir, 'b.json');
    run('export', opened.challenge, '--out', out);
    const b = JSON.parse(fs.readFileSync(out, 'utf8'));
    let ok = 0;
    for (const e of b.events) {
      if (contentHash(e) !== e.hash) throw new Error(`JS content hash differs from the CLI's for event ${e.id} (${e.kind})`);
      ok++;
    }
    const body = b.events[0].body;
    return { checked: ok, proc: { board: b.board, procedure: b.procedure, procedure_digest: body.procedure_digest } };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
