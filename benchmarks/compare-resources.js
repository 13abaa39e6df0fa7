#!/usr/bin/env node
// Compares the CloudFormation resources of two cloud assemblies, template by
// template: node compare-resources.js GO_CDK_OUT TS_CDK_OUT [MAX_PERCENT]
//
// Prints, for every template (the top-level ones and those of nested
// assemblies, matched by their path relative to the assembly), the resource
// count of each side and the difference, then the resources present on one
// side only (by logical id, or by type where ids differ), and the resources
// whose properties differ once asset hashes, key order and the key order
// inside JSON strings are set aside (for information: a faithful twin has
// none). Exits 1 when a template is missing on one side or when a count
// differs by more than MAX_PERCENT (default 5) of the Go side's.
'use strict';
const fs = require('fs');
const path = require('path');

const [goDir, tsDir, maxArg] = process.argv.slice(2);
if (!goDir || !tsDir) {
  console.error('usage: compare-resources.js GO_CDK_OUT TS_CDK_OUT [MAX_PERCENT]');
  process.exit(2);
}
const maxPercent = maxArg === undefined ? 5 : Number(maxArg);

function templates(dir) {
  const out = new Map();
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory() && e.name.startsWith('assembly-')) walk(p);
      else if (e.isFile() && e.name.endsWith('.template.json')) out.set(path.relative(dir, p), JSON.parse(fs.readFileSync(p, 'utf8')));
    }
  };
  walk(dir);
  return out;
}

// normalize returns a resource in a comparable form: keys sorted, JSON
// strings (buildspecs, dashboard bodies, also when joined with tokens)
// parsed, asset hashes and hashed logical-id suffixes masked, and the
// metadata cdk-nag and CDK's bundling flag leave out.
function normalize(resource) {
  const sort = (v) => Array.isArray(v) ? v.map(sort)
    : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort(v[k])])) : v;
  const parse = (v) => {
    if (Array.isArray(v)) return v.map(parse);
    if (v && typeof v === 'object') {
      const join = v['Fn::Join'];
      if (join && join[0] === '' && typeof join[1][0] === 'string' && join[1][0].startsWith('{')) {
        const text = join[1].map((p) => (typeof p === 'string' ? p : '@' + JSON.stringify(p).replace(/"/g, "'") + '@')).join('');
        try { return { 'Fn::Join(JSON)': JSON.parse(text) }; } catch { /* not JSON */ }
      }
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, parse(x)]));
    }
    if (typeof v === 'string' && v.startsWith('{')) {
      try { return { JSON: JSON.parse(v) }; } catch { /* not JSON */ }
    }
    return v;
  };
  const { Metadata, ...rest } = resource;
  return JSON.stringify(sort(parse(rest)))
    .replace(/[0-9a-f]{64}/g, 'HASH')
    .replace(/([A-Za-z0-9]+[A-F0-9]{8})[0-9a-f]{32}\b/g, '$1HASH')
    .replace(/"Analytics":"[^"]*"/, '"Analytics":"…"');
}
const stripHash = (id) => id.replace(/([A-F0-9]{8})[0-9a-f]{32}$/, '$1');

const countBy = (obj, f) => Object.values(obj).reduce((m, v) => m.set(f(v), (m.get(f(v)) || 0) + 1), new Map());

const go = templates(goDir);
const ts = templates(tsDir);
let failed = false;
const rows = [];
for (const name of [...new Set([...go.keys(), ...ts.keys()])].sort()) {
  const g = go.get(name)?.Resources ?? null;
  const t = ts.get(name)?.Resources ?? null;
  if (!g || !t) {
    rows.push([name, g ? Object.keys(g).length : '-', t ? Object.keys(t).length : '-', 'missing', 'FAIL']);
    failed = true;
    continue;
  }
  const gn = Object.keys(g).length;
  const tn = Object.keys(t).length;
  const pct = gn === 0 ? (tn === 0 ? 0 : 100) : (100 * Math.abs(tn - gn)) / gn;
  const ok = pct <= maxPercent;
  failed ||= !ok;
  rows.push([name, gn, tn, `${tn - gn >= 0 ? '+' : ''}${tn - gn} (${pct.toFixed(1)}%)`, ok ? 'ok' : 'FAIL']);

  const ids = (r) => new Map(Object.keys(r).map((k) => [stripHash(k), k]));
  const gIds = ids(g);
  const tIds = ids(t);
  const differ = [...gIds].filter(([k, id]) => tIds.has(k) && normalize(g[id]) !== normalize(t[tIds.get(k)])).map(([, id]) => `${g[id].Type} ${id}`);
  if (differ.length) {
    console.log(`${name}: ${differ.length} resource(s) with other properties`);
    differ.forEach((r) => console.log(`  differs: ${r}`));
  }
  const onlyIn = (a, b) => Object.keys(a).filter((k) => !ids(b).has(stripHash(k))).map((k) => `${a[k].Type} ${k}`);
  const goOnly = onlyIn(g, t);
  const tsOnly = onlyIn(t, g);
  if (goOnly.length || tsOnly.length) {
    console.log(`${name}: resources on one side only`);
    goOnly.forEach((r) => console.log(`  Go only: ${r}`));
    tsOnly.forEach((r) => console.log(`  TS only: ${r}`));
    const gt = countBy(g, (r) => r.Type);
    const tt = countBy(t, (r) => r.Type);
    for (const type of [...new Set([...gt.keys(), ...tt.keys()])].sort()) {
      if ((gt.get(type) || 0) !== (tt.get(type) || 0)) console.log(`  ${type}: Go ${gt.get(type) || 0}, TS ${tt.get(type) || 0}`);
    }
  }
}

const header = ['Template', 'Go', 'TypeScript', 'Difference', `Within ${maxPercent}%`];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
const line = (cells) => '| ' + cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ') + ' |';
console.log(line(header));
console.log('| ' + widths.map((w) => '-'.repeat(w)).join(' | ') + ' |');
rows.forEach((r) => console.log(line(r)));
const total = (m) => [...m.values()].reduce((n, t) => n + Object.keys(t.Resources).length, 0);
console.log(`Total resources: Go ${total(go)}, TypeScript ${total(ts)}`);
process.exit(failed ? 1 : 0);
