// The renderer under load: a 20,000-file execution driven through the web host in Debian's
// Chromium, watched in the execution view (phase timeline, chart, per-file table). Records the
// renderer's long tasks (PerformanceObserver 'longtask': main-thread work of 50 ms or more) and
// checks that every `execution:progress` event the socket received was applied by the store
// (window.dataferryStats), i.e. no progress update was dropped.
// Targets: no long task over 100 ms; received == applied.
//   BENCH_UI_FILES=20000  BENCH_UI_FILE_BYTES=4096  BENCH_UI_MBPS=0 (a bandwidth limit, MB/s; 0: none)
/* global window -- page.evaluate and addInitScript bodies run in the browser */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { connect, startHost } from './web-host-client.mjs';

const FILES = Number(process.env.BENCH_UI_FILES ?? 20_000);
const FILE_BYTES = Number(process.env.BENCH_UI_FILE_BYTES ?? 4096);
const MBPS = Number(process.env.BENCH_UI_MBPS ?? 0);
const progress = (text) => process.stderr.write(`  ${text}\n`);

export async function run() {
  const work = mkdtempSync(path.join(os.tmpdir(), 'dataferry-ui-bench-'));
  const source = path.join(work, 'source');
  const destination = path.join(work, 'destination');
  progress(`writing ${FILES} files of ${FILE_BYTES} bytes`);
  for (let i = 0; i < FILES; i++) {
    const dir = path.join(source, `d${Math.floor(i / 1000)}`);
    if (i % 1000 === 0) mkdirSync(dir, { recursive: true });
    const body = Buffer.alloc(FILE_BYTES, i % 251);
    body.write(`file ${i}\n`);
    writeFileSync(path.join(dir, `f${i}.dat`), body);
  }
  mkdirSync(destination);

  const host = await startHost({ DATAFERRY_DATA_DIR: path.join(work, 'data'), HOME: work });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  try {
    const api = await connect(host);
    const src = await api.call('locations:create', {
      name: 'Bench source',
      config: { kind: 'local', path: source },
    });
    const dst = await api.call('locations:create', {
      name: 'Bench destination',
      config: { kind: 'local', path: destination },
    });
    const task = await api.call('tasks:create', {
      name: 'UI bench',
      sourceLocationId: src.id,
      destinationLocationId: dst.id,
      options: MBPS > 0 ? { BytesPerSecond: Math.round(MBPS * 1e6) } : {},
    });

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.addInitScript(() => {
      window.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries())
          window.__longTasks.push({ start: entry.startTime, duration: entry.duration });
      }).observe({ type: 'longtask', buffered: true });
    });
    let framesReceived = 0;
    page.on('websocket', (socket) =>
      socket.on('framereceived', ({ payload }) => {
        if (typeof payload === 'string' && payload.includes('"execution:progress"'))
          framesReceived++;
      }),
    );
    await page.goto(host.url);
    await page.getByRole('button', { name: 'Run UI bench', exact: true }).click();
    await page.getByTestId('execution-status').waitFor();
    const startedAt = Date.now();
    // Long tasks while the execution runs (the page load before it does not count).
    const before = await page.evaluate(() => window.__longTasks.length);
    await page
      .locator(
        '[data-testid="execution-status"]:is([data-status="SUCCESS"],[data-status="ERROR"],[data-status="CANCELLED"])',
      )
      .waitFor({ timeout: 10 * 60_000 });
    const seconds = (Date.now() - startedAt) / 1000;
    await page.waitForTimeout(500); // the last frame's batch
    const status = await page.getByTestId('execution-status').getAttribute('data-status');
    const longTasks = (await page.evaluate(() => window.__longTasks)).slice(before);
    const stats = await page.evaluate(() => window.dataferryStats ?? null);
    const records = await api.call('executions:list', { taskId: task.id, limit: 1 });
    const counters = records[0]?.counters ?? {};
    await api.close();

    const over100 = longTasks.filter((t) => t.duration > 100);
    const max = longTasks.reduce((m, t) => Math.max(m, t.duration), 0);
    const total = longTasks.reduce((s, t) => s + t.duration, 0);
    const dropped = stats ? framesReceived - stats.applied : null;
    console.log(
      `Renderer during one execution of ${FILES} files of ${FILE_BYTES} B (local -> local` +
        `${MBPS > 0 ? `, limited to ${MBPS} MB/s` : ''}), watched in the execution view; ` +
        'Chromium headless, web host on 127.0.0.1, 2 cores shared by host, engine and browser',
    );
    console.log('| measure | value | target |');
    console.log('|---|---:|---|');
    console.log(
      `| execution status | ${status} (${counters.FilesTransferred ?? '?'} files transferred) | SUCCESS |`,
    );
    console.log(`| execution time, s | ${seconds.toFixed(1)} | |`);
    console.log(
      `| long tasks (>= 50 ms) | ${longTasks.length} (${total.toFixed(0)} ms in all) | |`,
    );
    console.log(`| longest task, ms | ${max.toFixed(0)} | <= 100 |`);
    console.log(`| long tasks over 100 ms | ${over100.length} | 0 |`);
    console.log(
      `| progress events: received by the page / applied by the store | ${framesReceived} / ${stats?.applied ?? 'n/a'} | equal |`,
    );
    console.log(`| progress updates dropped | ${dropped ?? 'n/a'} | 0 |`);
    if (status !== 'SUCCESS') throw new Error(`the execution ended ${status}`);
  } finally {
    await browser.close();
    await host.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
