// tests/oracle/procedures_schema.test.mjs — oracle for the procedure format.
//
// Checks the five shipped procedures (procedures/*.json) against
// procedures/procedure.schema.json with Ajv (JSON Schema draft 2020-12), and against the
// cross-reference rules the schema cannot express (docs/procedures.md, "Rules the schema
// cannot check"). These are the same rules the C++ loader enforces. A table of
// deliberately broken definitions must each be rejected, and by the layer the table names:
// "schema" (Ajv rejects it) or "cross" (the schema accepts it and the cross-reference
// check rejects it). When the seed documents are available (../shared/seeds, or
// PARLEY_SEEDS_DIR), every "source" must be found verbatim in its document once
// whitespace is normalised.
//
// Run: node --test tests/oracle/   (needs ajv@8 from the repository's package.json, or
// NODE_PATH pointing at a node_modules that has it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// createRequire, not `import`, so that NODE_PATH is honoured as well as node_modules.
const require = createRequire(import.meta.url);
const Ajv2020 = require('ajv/dist/2020');

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PROCEDURES_DIR = path.join(ROOT, 'procedures');
const SCHEMA_FILE = path.join(PROCEDURES_DIR, 'procedure.schema.json');
const SHIPPED = ['salford-ssab', 'buckinghamshire-bsab', 'bury-sab', 'shropshire-sscp', 'milton-keynes-mktogether'];

const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));
const load = (id) => readJson(path.join(PROCEDURES_DIR, `${id}.json`));

function compileSchema() {
  // strictRequired is off only because `anyOf: [{required: [phone]}, ...]` on a contact
  // names properties declared in the parent schema; every other strict check is on.
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
  return ajv.compile(readJson(SCHEMA_FILE));
}
const validate = compileSchema();

function schemaErrors(proc) {
  if (validate(proc)) return [];
  return validate.errors.map((e) => `${e.instancePath || '/'} ${e.message}`);
}

// Cross-reference rules (docs/procedures.md, "Rules the schema cannot check").
function crossErrors(proc) {
  const errors = [];
  const dup = (what, ids) => {
    const seen = new Set();
    for (const id of ids) {
      if (seen.has(id)) errors.push(`duplicate ${what} id "${id}"`);
      seen.add(id);
    }
  };
  const stages = proc.stages ?? [];
  const lastStage = stages.length;

  stages.forEach((s, i) => {
    if (s.number !== i + 1) errors.push(`stage at position ${i + 1} is numbered ${s.number}; stages are numbered 1..N in order`);
  });

  const contactIds = new Set((proc.board?.contacts ?? []).map((c) => c.id));
  dup('contact', (proc.board?.contacts ?? []).map((c) => c.id));
  dup('route', (proc.routes ?? []).map((r) => r.id));
  dup('form', (proc.forms ?? []).map((f) => f.id));
  dup('interpretation', (proc.interpretations ?? []).map((x) => x.id));
  // Required actions and notifications are all checklist items: one id space per procedure.
  dup('checklist item', [...stages.flatMap((s) => [...(s.required_actions ?? []), ...(s.notifications ?? [])]),
    ...(proc.after_resolution ?? [])].map((a) => a.id));
  for (const f of proc.forms ?? []) dup(`field (form ${f.id})`, (f.fields ?? []).map((x) => x.id));

  const contactRef = (where, id) => {
    if (!contactIds.has(id)) errors.push(`${where} names contact "${id}", which board.contacts does not define`);
  };
  for (const id of proc.emergency_guidance?.contacts ?? []) contactRef('emergency_guidance', id);
  for (const r of proc.routes ?? []) {
    for (const id of r.contacts ?? []) contactRef(`route ${r.id}`, id);
    if (r.available_from_stage > lastStage) errors.push(`route ${r.id} is available from stage ${r.available_from_stage}, but the last stage is ${lastStage}`);
  }

  const checkTimescale = (where, stageNumber, ts) => {
    if (!ts) return;
    const from = ts.from;
    if ((from.type === 'stage_started' || from.type === 'event') && from.stage !== undefined && from.stage > stageNumber) {
      errors.push(`${where} is measured from stage ${from.stage}, which is not this stage or an earlier one`);
    }
  };
  for (const s of stages) {
    checkTimescale(`stage ${s.number} timescale`, s.number, s.timescale);
    for (const a of s.required_actions ?? []) {
      checkTimescale(`action ${a.id} timescale`, s.number, a.timescale);
      for (const m of a.satisfied_by ?? []) {
        if (m.to !== undefined) contactRef(`action ${a.id}`, m.to);
      }
    }
    for (const n of s.notifications ?? []) contactRef(`notification ${n.id}`, n.to);
  }
  return errors;
}

// ---------------------------------------------------------------------------------------
// The shipped procedures.

for (const id of SHIPPED) {
  test(`${id}: valid against the schema`, () => {
    assert.deepEqual(schemaErrors(load(id)), []);
  });
  test(`${id}: cross-references hold`, () => {
    assert.deepEqual(crossErrors(load(id)), []);
  });
  test(`${id}: id and source_document match the file name`, () => {
    const p = load(id);
    assert.equal(p.id, id);
    assert.equal(p.source_document, `${id}.txt`);
  });
}

test('every shipped procedure file is in the list this test checks', () => {
  const files = fs.readdirSync(PROCEDURES_DIR).filter((f) => f.endsWith('.json') && f !== 'procedure.schema.json');
  assert.deepEqual(files.map((f) => f.replace(/\.json$/, '')).sort(), [...SHIPPED].sort());
});

// The readings product.md fixes for each procedure.
test('shipped readings: stage counts, timescales, anchors', () => {
  const stageCount = Object.fromEntries(SHIPPED.map((id) => [id, load(id).stages.length]));
  assert.deepEqual(stageCount, {
    'salford-ssab': 4, 'buckinghamshire-bsab': 5, 'bury-sab': 4, 'shropshire-sscp': 5, 'milton-keynes-mktogether': 4,
  });
  for (const id of ['salford-ssab', 'bury-sab']) {
    for (const s of load(id).stages) {
      assert.equal(s.timescale, null, `${id} stage ${s.number}`);
      for (const a of s.required_actions) assert.equal(a.timescale, null, `${id} ${a.id}`);
    }
  }
  const sh = load('shropshire-sscp');
  assert.deepEqual(sh.stages.map((s) => [s.timescale.amount, s.timescale.unit, s.timescale.from.type]),
    [2, 4, 5, 7, 9].map((n) => [n, 'working_days', 'challenge_raised']));
  assert.deepEqual(sh.stages.map((s) => s.notifications.map((n) => n.to)), [[], [], [], ['business-unit'], ['business-unit']]);
  assert.notEqual(sh.expedite, null);

  const bu = load('buckinghamshire-bsab');
  assert.equal(bu.stages[0].timescale, null);
  for (const s of bu.stages.slice(1)) {
    assert.deepEqual({ amount: s.timescale.amount, unit: s.timescale.unit, from: s.timescale.from },
      { amount: 5, unit: 'working_days', from: { type: 'stage_started', stage: 2 } });
  }
  assert.equal(bu.forms[0].id, 'bsab-appendix-b');
  // The learning prompt follows resolution at any stage, not only stage 5.
  assert.ok(bu.after_resolution.some((a) => a.satisfied_by.some((m) => m.kind === 'learning_recorded')));
  assert.ok(!bu.stages.some((s) => s.required_actions.some((a) => a.id === 'consider-review-and-learning')));
  assert.deepEqual(bu.routes.filter((r) => r.offered_when === 'subject_lacks_capacity').map((r) => r.kind),
    ['mca_best_interests', 'court_of_protection']);

  const mk = load('milton-keynes-mktogether');
  assert.deepEqual(mk.stages.map((s) => s.timescale && [s.timescale.amount, s.timescale.unit, s.timescale.from]), [
    [7, 'calendar_days', { type: 'challenge_raised' }],
    null,
    [10, 'calendar_days', { type: 'event', kind: 'discussion_recorded', stage: 1, which: 'first' }],
    null,
  ]);
  // Stages 1 and 3 are met by the meetings being held, not by moving on.
  for (const n of [0, 2]) assert.deepEqual(mk.stages[n].timescale.met_by, [{ kind: 'discussion_recorded', method: ['meeting', 'face_to_face', 'video'] }]);
  const feedback = mk.stages[2].required_actions.find((a) => a.id === 'feedback-to-raisers');
  assert.deepEqual([feedback.timescale.amount, feedback.timescale.unit, feedback.timescale.from, feedback.satisfied_by],
    [48, 'hours', { type: 'event', kind: 'discussion_recorded', stage: 3, which: 'first' }, [{ kind: 'feedback_given' }]]);

  for (const id of SHIPPED) {
    const p = load(id);
    assert.ok(p.emergency_guidance.contacts.includes('emergency-services'), `${id} emergency guidance names 999`);
    assert.equal(p.board.contacts.find((c) => c.id === 'emergency-services').phone, '999');
    if (['bury-sab', 'shropshire-sscp', 'milton-keynes-mktogether'].includes(id)) {
      assert.ok(p.forms.some((f) => f.id === 'general-record'), `${id} has a general-record form`);
    }
  }
  // Never an invented address: Bury's email is illegible in the source, so none is shipped.
  const bury = load('bury-sab').board.contacts.find((c) => c.id === 'safeguarding-adults-board');
  assert.equal(bury.email, undefined);
  assert.ok(bury.note);
});

// ---------------------------------------------------------------------------------------
// Every "source" is verbatim text of its document.

function seedsDir() {
  const candidates = [process.env.PARLEY_SEEDS_DIR, path.join(ROOT, '..', 'shared', 'seeds')].filter(Boolean);
  return candidates.find((d) => fs.existsSync(d));
}

const normalise = (text) => text.split(/\s+/u).filter(Boolean).join(' ');

function* sources(value, where = '') {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield* sources(value[i], `${where}[${i}]`);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'source' && typeof v === 'string') yield [`${where}.source`, v];
      else yield* sources(v, `${where}.${k}`);
    }
  }
}

// A source is one verbatim passage, or (where a text box cuts a sentence) several passages
// joined by " … " that occur in the document in that order.
function findSource(doc, source) {
  let from = 0;
  for (const part of source.split(' … ')) {
    const at = doc.indexOf(part, from);
    if (at < 0) return false;
    from = at + part.length;
  }
  return true;
}

for (const id of SHIPPED) {
  test(`${id}: every source is verbatim in the document`, (t) => {
    const dir = seedsDir();
    if (!dir) {
      t.skip('seed documents not found (set PARLEY_SEEDS_DIR)');
      return;
    }
    const p = load(id);
    const doc = normalise(fs.readFileSync(path.join(dir, p.source_document), 'utf8'));
    const missing = [];
    let count = 0;
    for (const [where, source] of sources(p)) {
      count++;
      if (!findSource(doc, source)) missing.push(`${where}: ${source}`);
    }
    assert.ok(count > 0);
    assert.deepEqual(missing, []);
  });
}

// ---------------------------------------------------------------------------------------
// Broken definitions: each must be rejected, by the layer named.

const clone = (x) => structuredClone(x);
const base = () => load('milton-keynes-mktogether');
const shrop = () => load('shropshire-sscp');

const BROKEN = [
  // [name, layer, base procedure, mutation]
  ['wrong format name', 'schema', base, (p) => { p.format = 'parley'; }],
  ['unsupported version', 'schema', base, (p) => { p.version = 2; }],
  ['id not a slug', 'schema', base, (p) => { p.id = 'Milton_Keynes'; }],
  ['id with a trailing hyphen', 'schema', base, (p) => { p.id = 'mk-'; }],
  ['unknown top-level key', 'schema', base, (p) => { p.categories = []; }],
  ['missing expedite (must be present, null when the document is silent)', 'schema', base, (p) => { delete p.expedite; }],
  ['expedite as a bare string', 'schema', base, (p) => { p.expedite = 'expedite if at risk'; }],
  ['expedite without source', 'schema', shrop, (p) => { delete p.expedite.source; }],
  ['unknown region', 'schema', base, (p) => { p.board.region = 'wales'; }],
  ['unknown audience', 'schema', base, (p) => { p.board.audience = 'families'; }],
  ['no contacts', 'schema', base, (p) => { p.board.contacts = []; }],
  ['contact with no detail and no note', 'schema', base, (p) => { p.board.contacts.push({ id: 'x', label: 'X', source: 'Email: x' }); }],
  ['contact email not an address', 'schema', base, (p) => { p.board.contacts[1].email = '[email protected]'; }],
  ['contact phone with letters', 'schema', base, (p) => { p.board.contacts[0].phone = '999 (police)'; }],
  ['contact without source', 'schema', base, (p) => { delete p.board.contacts[0].source; }],
  ['emergency guidance without contacts', 'schema', base, (p) => { p.emergency_guidance.contacts = []; }],
  ['no stages', 'schema', base, (p) => { p.stages = []; }],
  ['stage number 0', 'schema', base, (p) => { p.stages[0].number = 0; }],
  ['stage without source', 'schema', base, (p) => { delete p.stages[0].source; }],
  ['stage timescale missing (must be null or an object)', 'schema', base, (p) => { delete p.stages[1].timescale; }],
  ['unknown role level', 'schema', base, (p) => { p.stages[0].who.challenger = ['social_worker']; }],
  ['no challenger role', 'schema', base, (p) => { p.stages[0].who.challenger = []; }],
  ['timescale unit weeks', 'schema', base, (p) => { p.stages[0].timescale.unit = 'weeks'; }],
  ['timescale amount 0', 'schema', base, (p) => { p.stages[0].timescale.amount = 0; }],
  ['timescale amount not an integer', 'schema', base, (p) => { p.stages[0].timescale.amount = 2.5; }],
  ['timescale amount as a string', 'schema', base, (p) => { p.stages[0].timescale.amount = '7'; }],
  ['timescale without source', 'schema', base, (p) => { delete p.stages[0].timescale.source; }],
  ['timescale from an unknown type', 'schema', base, (p) => { p.stages[0].timescale.from = { type: 'referral_received' }; }],
  ['challenge_raised with a stage', 'schema', base, (p) => { p.stages[0].timescale.from = { type: 'challenge_raised', stage: 1 }; }],
  ['event anchor without which', 'schema', base, (p) => { delete p.stages[2].timescale.from.which; }],
  ['event anchor with which = second', 'schema', base, (p) => { p.stages[2].timescale.from.which = 'second'; }],
  ['event anchor of an unknown kind', 'schema', base, (p) => { p.stages[2].timescale.from.kind = 'meeting_held'; }],
  ['required action id with capitals', 'schema', base, (p) => { p.stages[0].required_actions[0].id = 'Professionals-Meeting'; }],
  ['required action without satisfied_by', 'schema', base, (p) => { delete p.stages[0].required_actions[0].satisfied_by; }],
  ['satisfied_by an unknown event kind', 'schema', base, (p) => { p.stages[0].required_actions[0].satisfied_by = [{ kind: 'meeting' }]; }],
  ['satisfied_by an unknown discussion method', 'schema', base, (p) => { p.stages[0].required_actions[0].satisfied_by = [{ kind: 'discussion_recorded', method: ['teams'] }]; }],
  ['method on a non-discussion event', 'schema', base, (p) => { p.stages[0].required_actions[1].satisfied_by = [{ kind: 'action_agreed', method: ['email'] }]; }],
  ['"to" on a discussion', 'schema', base, (p) => { p.stages[0].required_actions[0].satisfied_by = [{ kind: 'discussion_recorded', to: 'mash' }]; }],
  ['"route" on a notification', 'schema', base, (p) => { p.stages[0].required_actions[0].satisfied_by = [{ kind: 'notification_sent', route: 'x' }]; }],
  ['notification without "to"', 'schema', base, (p) => { delete p.stages[3].notifications[0].to; }],
  ['source with a line break', 'schema', base, (p) => { p.stages[0].source = 'Arrange a meeting\nwith relevant professionals'; }],
  ['source with a double space', 'schema', base, (p) => { p.stages[0].source = 'Arrange a meeting  with relevant professionals'; }],
  ['source with a trailing space', 'schema', base, (p) => { p.stages[0].source = 'Arrange a meeting '; }],
  ['empty source', 'schema', base, (p) => { p.interpretations[0].source = ''; }],
  ['interpretation without source', 'schema', base, (p) => { delete p.interpretations[0].source; }],
  ['route of an unknown kind', 'schema', base, (p) => { p.routes[0].kind = 'ombudsman'; }],
  ['route available from stage 0', 'schema', base, (p) => { p.routes[0].available_from_stage = 0; }],
  ['no forms', 'schema', base, (p) => { p.forms = []; }],
  ['form without fields', 'schema', base, (p) => { p.forms[0].fields = []; }],
  ['form field filled from an unknown value', 'schema', base, (p) => { p.forms[0].fields[0].from = 'subject.date_of_birth'; }],
  ['form field id in kebab-case', 'schema', base, (p) => { p.forms[0].fields[0].id = 'subject-name'; }],
  ['unknown key in a stage', 'schema', base, (p) => { p.stages[0].deadline = '7 days'; }],

  ['stages out of order', 'cross', base, (p) => { p.stages[1].number = 3; p.stages[2].number = 2; }],
  ['stage numbers with a gap', 'cross', base, (p) => { p.stages[3].number = 5; }],
  ['duplicate required action id across stages', 'cross', base, (p) => { p.stages[1].required_actions[1].id = 'document-concerns-and-actions-stage-1'; }],
  ['notification id equal to a required action id', 'cross', base, (p) => { p.stages[3].notifications[0].id = 'chair-shares-outcome'; }],
  ['duplicate contact id', 'cross', base, (p) => { p.board.contacts[1].id = 'emergency-services'; }],
  ['duplicate interpretation id', 'cross', base, (p) => { p.interpretations[1].id = p.interpretations[0].id; }],
  ['duplicate form field id', 'cross', base, (p) => { p.forms[0].fields[1].id = p.forms[0].fields[0].id; }],
  ['notification to an undefined contact', 'cross', base, (p) => { p.stages[3].notifications[0].to = 'business-unit'; }],
  ['emergency guidance naming an undefined contact', 'cross', base, (p) => { p.emergency_guidance.contacts.push('police'); }],
  ['route naming an undefined contact', 'cross', base, (p) => { p.routes[0].contacts = ['head-of-school-improvement']; }],
  ['satisfied_by a notification to an undefined contact', 'cross', base, (p) => { p.stages[0].required_actions[0].satisfied_by = [{ kind: 'notification_sent', to: 'nobody' }]; }],
  ['satisfied_by a referral naming a route id instead of a route kind', 'schema', base, (p) => { p.stages[0].required_actions[0].satisfied_by = [{ kind: 'referred', route: 'court-of-protection' }]; }],
  ['stage timescale anchored to a later stage event', 'cross', base, (p) => { p.stages[2].timescale.from.stage = 4; }],
  ['action timescale anchored to a later stage event', 'cross', base, (p) => { p.stages[2].required_actions[1].timescale.from.stage = 4; }],
  ['stage timescale from the start of a later stage', 'cross', shrop, (p) => { p.stages[1].timescale.from = { type: 'stage_started', stage: 3 }; }],
  ['route available from a stage that does not exist', 'cross', base, (p) => { p.routes[0].available_from_stage = 5; }],
];

for (const [name, layer, make, mutate] of BROKEN) {
  test(`rejects (${layer}): ${name}`, () => {
    const p = clone(make());
    mutate(p);
    const schema = schemaErrors(p);
    if (layer === 'schema') {
      assert.notDeepEqual(schema, [], 'the schema should reject this definition');
    } else {
      assert.deepEqual(schema, [], 'the schema accepts this one; the cross-reference check must catch it');
      assert.notDeepEqual(crossErrors(p), [], 'the cross-reference check should reject this definition');
    }
  });
}

test('the per-stage override a Board may make is valid', () => {
  // docs/procedures.md: a Board reading Shropshire's figures as per-stage windows.
  const p = shrop();
  for (const s of p.stages) s.timescale.from = { type: 'stage_started' };
  assert.deepEqual(schemaErrors(p), []);
  assert.deepEqual(crossErrors(p), []);
});
