#!/usr/bin/env node
// Where a CPU profile's time went (Node's --cpu-prof output), for the S3 work of issue 19:
//
//   node bench/s3-prof-summary.mjs FILE.cpuprofile [--top 30] [--inclusive NAME,NAME...]
//
// prints the sampled time, then self time by package (node_modules/<pkg>, node:internal,
// the app's own bundle, GC, program, idle), the top functions by self time, and the inclusive
// time of the functions named with --inclusive (every sample with that function on its stack).
// Not a *.bench.mjs: `node bench/run.mjs` does not run it.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: 'string', default: '30' },
    inclusive: { type: 'string', default: '' },
    callers: { type: 'string', default: '' },
    package: { type: 'string', default: '' },
  },
});

for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map();
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    const dt = timeDeltas[i + 1] ?? timeDeltas[i] ?? 0;
    selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + dt);
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const packageOf = (frame) => {
    const url = frame.url ?? '';
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    if (m) return m[1];
    if (url.startsWith('node:')) return 'node:internal';
    if (url.includes('/out/main/')) return `app:${url.split('/out/main/')[1]}`;
    if (url === '') return frame.functionName || '(native)';
    return url;
  };
  const byPackage = new Map();
  const byFunction = new Map();
  for (const [id, us] of selfUs) {
    const frame = nodes.get(id).callFrame;
    const pkg = packageOf(frame);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
    const name = `${frame.functionName || '(anonymous)'} ${pkg}:${frame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
  }
  const ms = (us) =>
    `${(us / 1000).toFixed(0).padStart(6)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%`;
  console.log(`\n${file}: ${(total / 1000).toFixed(0)} ms sampled`);
  console.log('\nself time by package:');
  for (const [pkg, us] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 25))
    console.log(`  ${ms(us)}  ${pkg}`);
  console.log('\nself time by function:');
  for (const [name, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top)))
    console.log(`  ${ms(us)}  ${name}`);
  // --callers NAME: the stacks (5 frames up) under which NAME's self time was spent.
  for (const want of values.callers.split(',').filter(Boolean)) {
    const stacks = new Map();
    for (const [id, t] of selfUs) {
      if (nodes.get(id).callFrame.functionName !== want) continue;
      const names = [];
      for (let at = parent.get(id); at !== undefined && names.length < 6; at = parent.get(at)) {
        const f = nodes.get(at).callFrame;
        names.push(
          `${f.functionName || '(anon)'}@${packageOf(f).replace('node:internal', 'node')}:${f.lineNumber + 1}`,
        );
      }
      const key = names.join(' < ');
      stacks.set(key, (stacks.get(key) ?? 0) + t);
    }
    console.log(`\ncallers of ${want}:`);
    for (const [key, us] of [...stacks].sort((a, b) => b[1] - a[1]).slice(0, 8))
      console.log(`  ${ms(us)}  ${key}`);
  }
  // --package P: the functions of one package by self time.
  for (const want of values.package.split(',').filter(Boolean)) {
    console.log(`\nself time in ${want}:`);
    for (const [name, us] of [...byFunction]
      .filter(([name]) => name.includes(` ${want}:`))
      .sort((a, b) => b[1] - a[1])
      .slice(0, 20))
      console.log(`  ${ms(us)}  ${name}`);
  }
  const wanted = values.inclusive.split(',').filter(Boolean);
  if (wanted.length) {
    console.log('\ninclusive time:');
    for (const want of wanted) {
      let us = 0;
      for (const [id, t] of selfUs) {
        for (let at = id; at !== undefined; at = parent.get(at)) {
          const f = nodes.get(at).callFrame;
          if (f.functionName === want || packageOf(f) === want) {
            us += t;
            break;
          }
        }
      }
      console.log(`  ${ms(us)}  ${want}`);
    }
  }
}
