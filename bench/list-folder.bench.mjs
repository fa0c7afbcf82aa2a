// Listing a large folder in the file browser: DataFerry's fs:list, end to end through the real
// web host and its WebSocket (names, kinds, sizes, mtimes), against `ls -la` and GNU find's
// -printf on the same folder. Reports medians and the ratio to each peer.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 20000);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = (fn) => async () => {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
};

async function startHost() {
  const child = spawn(process.execPath, [path.join(repo, 'out/main/serve.js'), '--port', '0'], {
    env: {
      ...process.env,
      DATAFERRY_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'df-bench-data-')),
    },
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(out);
      if (m) resolve(m[0]);
    });
    child.once('exit', (code) => reject(new Error(`web host exited ${code}: ${out}`)));
  });
  const { port, searchParams } = new URL(url);
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api?token=${searchParams.get('token')}`, {
    headers: { origin: `http://127.0.0.1:${port}` },
    maxPayload: 256 * 1024 * 1024,
  });
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  let id = 0;
  const list = (folder) =>
    new Promise((resolve, reject) => {
      const myId = ++id;
      const onMessage = (data) => {
        const msg = JSON.parse(data.toString());
        if (msg.id !== myId) return;
        ws.off('message', onMessage);
        if (!msg.result.ok) reject(new Error(msg.result.error.message));
        else resolve(msg.result.value);
      };
      ws.on('message', onMessage);
      ws.send(
        JSON.stringify({
          type: 'request',
          id: myId,
          channel: 'fs:list',
          request: { path: folder },
        }),
      );
    });
  return { list, stop: () => (ws.close(), child.kill()) };
}

export async function run() {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'df-bench-list-'));
  for (let i = 0; i < ENTRIES; i++) {
    if (i % 50 === 0) mkdirSync(path.join(folder, `dir-${i}`));
    else writeFileSync(path.join(folder, `file-${i}.dat`), 'x'.repeat(i % 200));
  }
  const host = await startHost();
  try {
    const check = await host.list(folder);
    if (check.entries.length !== ENTRIES)
      throw new Error(`listed ${check.entries.length} of ${ENTRIES}`);
    const contenders = {
      'dataferry fs:list': time(() => host.list(folder)),
      'ls -la': time(() => execFileSync('ls', ['-la', folder], { maxBuffer: 1 << 28 })),
      'find -printf': time(() =>
        execFileSync('find', [folder, '-maxdepth', '1', '-printf', '%f %y %s %T@\n'], {
          maxBuffer: 1 << 28,
        }),
      ),
    };
    const results = {};
    for (const [name, fn] of Object.entries(contenders)) {
      await fn(); // warm the cache for everyone alike
      const samples = [];
      for (let i = 0; i < RUNS; i++) samples.push(await fn());
      results[name] = median(samples);
    }
    const ours = results['dataferry fs:list'];
    console.log(`listing one folder of ${ENTRIES} entries, median of ${RUNS} runs (warm cache)`);
    for (const [name, ms] of Object.entries(results)) {
      const ratio =
        name === 'dataferry fs:list' ? '' : `   dataferry/${name} = ${(ours / ms).toFixed(2)}x`;
      console.log(`  ${name.padEnd(20)} ${ms.toFixed(1).padStart(8)} ms${ratio}`);
    }
  } finally {
    host.stop();
    rmSync(folder, { recursive: true, force: true });
  }
}
