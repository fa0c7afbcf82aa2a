// Load: one execution of 200,000 small files end to end through the web host, with the UI open
// in Chromium on the execution view, and the web host's memory sampled all along, against the
// same run of 20,000 files (memory must not grow with the number of files beyond bounded
// caches); then ten executions of one task started at once, which must queue and run one after
// another (FIFO, no overlap), with the UI's long tasks recorded meanwhile.
//   BENCH_LOAD_FILES=200000  BENCH_LOAD_SMALL=20000  BENCH_LOAD_QUEUED=10
/* global window -- page.evaluate and addInitScript bodies run in the browser */
import { readFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { connect, startHost } from './web-host-client.mjs';

const FILES = Number(process.env.BENCH_LOAD_FILES ?? 200_000);
const SMALL = Number(process.env.BENCH_LOAD_SMALL ?? 20_000);
const QUEUED = Number(process.env.BENCH_LOAD_QUEUED ?? 10);
const FILE_BYTES = 512;
const progress = (text) => process.stderr.write(`  ${text}\n`);

function makeTree(root, count) {
  for (let i = 0; i < count; i++) {
    const dir = path.join(root, `d${Math.floor(i / 1000)}`);
    if (i % 1000 === 0) mkdirSync(dir, { recursive: true });
    const body = Buffer.alloc(FILE_BYTES, i % 251);
    body.write(`file ${i}\n`);
    writeFileSync(path.join(dir, `f${i}.dat`), body);
  }
}

/** Samples a process's resident memory (MiB) every 250 ms until stopped; resolves the peak. */
function sampleRss(pid) {
  let peak = 0;
  const read = () => {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (match) peak = Math.max(peak, Number(match[1]) / 1024);
  };
  read();
  const timer = setInterval(read, 250);
  return () => {
    clearInterval(timer);
    read();
    return peak;
  };
}

function finished(api, executionId) {
  return new Promise((resolve) => {
    const stop = api.onEvent((event, payload) => {
      if (event !== 'execution:updated' || payload.id !== executionId) return;
      if (['SUCCESS', 'ERROR', 'CANCELLED'].includes(payload.status)) {
        stop();
        resolve(payload);
      }
    });
  });
}

async function watchedRun(page, api, task, label) {
  await page
    .getByRole('navigation', { name: 'Sections' })
    .getByRole('button', { name: 'Tasks' })
    .click();
  await page.getByRole('button', { name: `Run ${label}`, exact: true }).click();
  await page.getByTestId('execution-status').waitFor();
  const executionId = await page.locator('[data-execution-id]').getAttribute('data-execution-id');
  const before = await page.evaluate(() => window.__longTasks.length);
  const started = Date.now();
  const record = await finished(api, executionId);
  const seconds = (Date.now() - started) / 1000;
  await page.waitForTimeout(500);
  const longTasks = (await page.evaluate(() => window.__longTasks)).slice(before);
  return { record, seconds, longTasks, task };
}

export async function run() {
  const work = mkdtempSync(path.join(os.tmpdir(), 'dataferry-load-bench-'));
  progress(`writing ${FILES} + ${SMALL} files of ${FILE_BYTES} bytes`);
  makeTree(path.join(work, 'big'), FILES);
  makeTree(path.join(work, 'small'), SMALL);
  const host = await startHost({ DATAFERRY_DATA_DIR: path.join(work, 'data'), HOME: work });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  try {
    const api = await connect(host);
    const location = (name, p) =>
      api.call('locations:create', { name, config: { kind: 'local', path: p } });
    const task = async (name, from, to) =>
      api.call('tasks:create', {
        name,
        sourceLocationId: (await location(`${name} source`, from)).id,
        destinationLocationId: (await location(`${name} destination`, to)).id,
      });
    const small = await task('Small', path.join(work, 'small'), path.join(work, 'small-copy'));
    const big = await task('Big', path.join(work, 'big'), path.join(work, 'big-copy'));

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.addInitScript(() => {
      window.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) window.__longTasks.push(entry.duration);
      }).observe({ type: 'longtask', buffered: true });
    });
    await page.goto(host.url);

    const rows = [];
    for (const [t, label, count] of [
      [small, 'Small', SMALL],
      [big, 'Big', FILES],
    ]) {
      progress(`running ${label} (${count} files)`);
      const stop = sampleRss(host.pid);
      const result = await watchedRun(page, api, t, label);
      rows.push({ label, count, peakMiB: stop(), ...result });
    }

    progress(`starting ${QUEUED} executions of one task at once`);
    const queuedTask = await task(
      'Queued',
      path.join(work, 'small'),
      path.join(work, 'queued-copy'),
    );
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('button', { name: 'History' })
      .click();
    const before = await page.evaluate(() => window.__longTasks.length);
    const started = [];
    for (let i = 0; i < QUEUED; i++)
      started.push(await api.call('executions:start', { taskId: queuedTask.id }));
    const ends = await Promise.all(started.map((e) => finished(api, e.id)));
    const queueLongTasks = (await page.evaluate(() => window.__longTasks)).slice(before);
    const inOrder = ends.every((e, i) => i === 0 || e.launchTime >= ends[i - 1].endTime);
    const historyRows = await page.getByTestId('history-row').count();
    await api.close();

    const fmt = (tasks) =>
      `${tasks.length} / ${tasks.reduce((m, d) => Math.max(m, d), 0).toFixed(0)} ms`;
    console.log(
      `Load through the web host (local -> local, ${FILE_BYTES}-byte files), the UI open in Chromium; ` +
        'memory = peak resident size of the web host process (engine, workers, store), sampled every 250 ms',
    );
    console.log(
      '| run | status | files transferred | time, s | files/s | host peak RSS, MiB | UI long tasks / longest |',
    );
    console.log('|---|---|---:|---:|---:|---:|---:|');
    for (const r of rows) {
      console.log(
        `| ${r.count} files | ${r.record.status} | ${r.record.counters.FilesTransferred} | ${r.seconds.toFixed(1)} | ${(r.count / r.seconds).toFixed(0)} | ${r.peakMiB.toFixed(0)} | ${fmt(r.longTasks)} |`,
      );
    }
    const [a, b] = rows;
    console.log(
      `Memory: ${b.count / a.count}x the files, ${(b.peakMiB / a.peakMiB).toFixed(2)}x the peak resident size.`,
    );
    console.log(
      `Queue: ${QUEUED} executions started at once: ${ends.filter((e) => e.status === 'SUCCESS').length} SUCCESS, ` +
        `${inOrder ? 'one after another in start order (each launched after the previous ended)' : 'OVERLAPPED'}; ` +
        `history shows ${historyRows} rows; UI long tasks meanwhile ${fmt(queueLongTasks)}.`,
    );
    if (rows.some((r) => r.record.status !== 'SUCCESS') || !inOrder)
      throw new Error('load run failed');
  } finally {
    await browser.close();
    await host.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
