import { afterEach, describe, expect, it } from 'vitest';
import { ExecutionRunner } from '../../../src-main/engine/execution-runner';
import { RetryGate, type EngineLimits } from '../../../src-main/engine/retry-policy';
import { createInlineRunner } from '../../../src-main/engine/transfer-runner';
import { memoryStore, resetMemoryStores } from '../../../src-main/locations/memory/memory-location';
import { createLocation } from '../../../src-main/locations/registry';
import { AppError } from '../../../src-shared/errors';
import { taskOptionsSchema } from '../../../src-shared/model/task';
import { recordingSink } from '../../support/engine-harness';

/*
 * TRANSFERRING's retry policy: a server that is gone for a few seconds is ridden out, one that
 * stays gone stops the run within the retry window, errors that retrying cannot fix fail at
 * once, and cancel is never held up by a backoff.
 */

afterEach(() => resetMemoryStores());

describe('RetryGate', () => {
  it('fails at once for codes retrying cannot fix, and tries content changes three times', () => {
    const gate = new RetryGate(30_000, () => 0);
    for (const code of ['not-found', 'permission-denied', 'unknown', 'invalid-name'] as const)
      expect(gate.decide(code, 1, 0)).toEqual({ action: 'fail' });
    expect(gate.decide('changed-during-transfer', 1, 0).action).toBe('retry');
    expect(gate.decide('changed-during-transfer', 2, 0).action).toBe('retry');
    expect(gate.decide('changed-during-transfer', 3, 0)).toEqual({ action: 'fail' });
  });

  it('backs off exponentially on connection errors, within the window, then stops the run', () => {
    let now = 0;
    const gate = new RetryGate(10_000, () => now);
    const delays: number[] = [];
    for (let attempt = 1; ; attempt++) {
      const decision = gate.decide('unavailable', attempt, 0);
      if (decision.action !== 'retry') {
        expect(decision).toEqual({ action: 'stop', outageMs: 10_000 });
        break;
      }
      delays.push(decision.delayMs);
      now += decision.delayMs;
    }
    expect(delays).toEqual([250, 500, 1000, 2000, 4000, 2250]);
    expect(gate.outageGivenUp).toBe(true);
    // Every other file still failing on the connection gives up too, at once.
    expect(gate.decide('timeout', 1, now).action).toBe('stop');
  });

  it('fails one troubled file after the window while others succeed, without stopping the run', () => {
    let now = 0;
    const gate = new RetryGate(5_000, () => now);
    expect(gate.decide('unavailable', 1, 0).action).toBe('retry');
    now = 4_000;
    gate.succeeded(); // another file got through: the servers answer
    now = 5_000;
    expect(gate.decide('unavailable', 6, 0)).toEqual({ action: 'fail' });
    expect(gate.outageGivenUp).toBe(false);
  });
});

/** A memory-to-memory execution with a retry window, on this thread. */
async function run(limits: EngineLimits, onStart?: (runner: ExecutionRunner) => void) {
  const sink = recordingSink();
  const runner = new ExecutionRunner(
    {
      executionId: 'retry-test',
      taskId: 'task',
      source: { config: { kind: 'memory', name: 'src' }, secrets: {} },
      destination: { config: { kind: 'memory', name: 'dst' }, secrets: {} },
      options: taskOptionsSchema.parse({ Parallelism: 2 }),
      includes: '',
      excludes: '',
    },
    sink,
    {
      createLocation,
      prepareInline: true,
      limits,
      createRunner: (spec, src, dst) => createInlineRunner(src, dst, spec),
    },
  );
  onStart?.(runner);
  const execution = await runner.run();
  return { execution, sink };
}

function arrange(): void {
  const src = memoryStore('src');
  src.putFile('a.txt', 'alpha');
  src.putFile('b.bin', Buffer.alloc(200_000, 7));
  src.putFile('c.txt', 'charlie');
}

describe('engine retries', () => {
  it('rides out a destination that is unavailable for a while: every file arrives', async () => {
    arrange();
    const gone = new AppError('unavailable', 'Cannot reach 127.0.0.1:445 (writing b.bin)');
    memoryStore('dst').failNext({ op: 'write', path: 'b.bin', error: gone, times: 4 });
    const started = Date.now();
    const { execution, sink } = await run({ retryForMs: 20_000 });
    expect(execution.status, JSON.stringify(execution.error)).toBe('SUCCESS');
    expect(execution.counters).toMatchObject({ FilesTransferred: 3, FilesFailed: 0 });
    expect(memoryStore('dst').get('b.bin')?.bytes.equals(Buffer.alloc(200_000, 7))).toBe(true);
    // 250 + 500 + 1000 + 2000 ms of backoff, logged as retries.
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_700);
    expect(sink.logs.filter((l) => l.includes('retrying'))).toHaveLength(4);
  });

  it('fails a file at once for a code retrying cannot fix, and moves the rest', async () => {
    arrange();
    const denied = new AppError('permission-denied', 'Permission denied: b.bin');
    memoryStore('dst').failNext({ op: 'write', path: 'b.bin', error: denied, times: 1 });
    const { execution, sink } = await run({ retryForMs: 20_000 });
    expect(execution.status).toBe('ERROR');
    expect(execution.counters).toMatchObject({ FilesTransferred: 2, FilesFailed: 1 });
    expect(sink.logs.some((l) => l.includes('retrying'))).toBe(false);
    expect(sink.received.find((r) => r.path === 'b.bin')).toMatchObject({
      action: 'failed',
      errorCode: 'permission-denied',
    });
  });

  it('stops the run when nothing succeeds for the retry window, naming the file and the server', async () => {
    arrange();
    const gone = new AppError('unavailable', 'Cannot reach 127.0.0.1:445 (writing b.bin)');
    for (const path of ['a.txt', 'b.bin', 'c.txt'])
      memoryStore('dst').failNext({ op: 'write', path, error: gone, times: 1000 });
    const started = Date.now();
    const { execution } = await run({ retryForMs: 1_500 });
    const tookMs = Date.now() - started;
    expect(execution.status).toBe('ERROR');
    expect(execution.error?.code).toBe('unavailable');
    expect(execution.error?.message).toMatch(
      /^(a\.txt|b\.bin|c\.txt): Cannot reach 127\.0\.0\.1:445/,
    );
    expect(execution.error?.message).toContain('nothing succeeded for 2 s of retries');
    expect(execution.phases.VERIFYING.status).toBe('PENDING');
    expect(execution.counters.FilesTransferred).toBe(0);
    expect(memoryStore('dst').paths()).toEqual([]);
    // Bounded by the window plus one backoff, with room for a loaded machine.
    expect(tookMs).toBeLessThan(10_000);
  });

  it('cancels at once while a file waits to be retried', async () => {
    arrange();
    const gone = new AppError('unavailable', 'Cannot reach 127.0.0.1:445');
    memoryStore('dst').failNext({ op: 'write', path: 'a.txt', error: gone, times: 1000 });
    let cancelledAt = 0;
    const { execution } = await run({ retryForMs: 60_000 }, (runner) => {
      // The fourth retry waits 2 s: cancel in the middle of the backoff.
      setTimeout(() => ((cancelledAt = Date.now()), runner.cancel()), 2_500);
    });
    expect(execution.status).toBe('CANCELLED');
    expect(Date.now() - cancelledAt).toBeLessThan(1_500);
  });
});
