import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PlanAction, PlanItem } from '../../../src-main/engine/plan';
import { PlanStore } from '../../../src-main/engine/plan-store';

const ACTIONS: PlanAction[] = ['mkdir', 'copy', 'update', 'skip', 'delete'];

function item(i: number): PlanItem {
  const action = ACTIONS[i % ACTIONS.length] as PlanAction;
  return {
    path: `d/f${i}`,
    type: action === 'mkdir' ? 'dir' : 'file',
    size: i,
    mtimeMs: i,
    action,
  };
}

/** What a plan answers, as plain data, to compare a memory plan with one that spilled. */
function answers(plan: PlanStore): unknown {
  return {
    forward: [...plan.items(['copy', 'update'])].map((x) => [x.seq, x.path, x.action, x.size]),
    backward: [...plan.items(['mkdir', 'delete'], 'backward')].map((x) => [x.seq, x.path]),
    done: [...plan.doneItems(['copy', 'update'])].map((x) => [x.seq, x.sourceHash, x.storedHash]),
    count: plan.count(['skip']),
  };
}

function fill(plan: PlanStore, n: number): void {
  for (let i = 0; i < n; i++) plan.add(item(i));
  // Marked done in the order a transfer finishes them, not the plan's.
  const seqs = [...plan.items(['copy', 'update'])].map((x) => x.seq).reverse();
  for (const seq of seqs) plan.markDone(seq, `h${seq}`, seq % 2 ? `s${seq}` : null);
}

describe('PlanStore', () => {
  // First in this file: a process sweeps stale plans when it makes its first plan folder.
  it('removes the plan files of processes that died (a SIGKILLed run cannot remove its own)', () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
    const stale = path.join(os.tmpdir(), `dataferry-plan-${dead}-test`);
    mkdirSync(stale, { recursive: true });
    writeFileSync(path.join(stale, 'plan.db'), 'left by a killed run');
    const mine = path.join(os.tmpdir(), `dataferry-plan-${process.pid}-test`);
    mkdirSync(mine, { recursive: true });
    const plan = PlanStore.createTemporary(1);
    for (let i = 0; i < 3; i++) plan.add(item(i));
    expect(plan.onDisk).toBe(true);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(mine)).toBe(true);
    rmSync(mine, { recursive: true });
    plan.dispose();
  });

  it('a small plan stays in memory and answers in tree order, both ways', () => {
    const plan = PlanStore.createTemporary(100);
    fill(plan, 25);
    expect(plan.onDisk).toBe(false);
    const got = answers(plan) as { forward: unknown[]; backward: [number, string][] };
    expect(got.forward).toHaveLength(10);
    expect(got.forward[0]).toEqual([2, 'd/f1', 'copy', 1]);
    expect(got.backward[0]).toEqual([25, 'd/f24']);
    expect(got.backward.map(([seq]) => seq)).toEqual(
      [...got.backward.map(([s]) => s)].sort((a, b) => b - a),
    );
    plan.dispose();
  });

  it('a plan past its memory share moves to a file and answers exactly as in memory', () => {
    const small = PlanStore.createTemporary(1000);
    fill(small, 37);
    const spilled = PlanStore.createTemporary(10);
    for (let i = 0; i < 37; i++) {
      spilled.add(item(i));
      // Some items are done before the spill, the rest after it.
      if (i === 5) spilled.markDone(2, 'early', null);
    }
    expect(spilled.onDisk).toBe(true);
    const seqs = [...spilled.items(['copy', 'update'])].map((x) => x.seq).reverse();
    for (const seq of seqs) spilled.markDone(seq, `h${seq}`, seq % 2 ? `s${seq}` : null);
    expect(answers(spilled)).toEqual(answers(small));
    small.dispose();
    spilled.dispose();
  });

  it('dispose removes the temporary folder of a spilled plan', () => {
    const plan = PlanStore.createTemporary(2);
    for (let i = 0; i < 5; i++) plan.add(item(i));
    const dir = (plan as unknown as { disk: { dir: string } }).disk.dir;
    expect(existsSync(dir)).toBe(true);
    plan.dispose();
    expect(existsSync(dir)).toBe(false);
  });
});
