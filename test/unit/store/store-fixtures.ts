import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import type { FileResult } from '../../../src-shared/model/execution';
import { defaultTaskOptions } from '../../../src-shared/model/task';
import type { NewTask } from '../../../src-main/store/tasks-repo';
import { openHistoryStore, type HistoryStore } from '../../../src-main/store/history-store';
import { createFileKeySecretBox } from '../../../src-main/store/secret-box';

const cleanups: (() => void)[] = [];

afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

/** A new empty folder under the OS temp dir, removed after the test. */
export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dataferry-store-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs after the test (before its temp dirs go). */
export function onCleanup(cleanup: () => void): void {
  cleanups.push(cleanup);
}

/** A history store in a new temp folder with the file-key box, closed after the test. */
export function tempStore(now?: () => number): { store: HistoryStore; dir: string } {
  const dir = tempDir();
  const store = openHistoryStore(
    dir,
    createFileKeySecretBox(dir),
    now === undefined ? {} : { now },
  );
  onCleanup(() => store.close());
  return { store, dir };
}

/** Two saved local locations and a task between them. */
export function seedTask(store: HistoryStore, name = 'Nightly'): NewTask & { id: string } {
  const source = store.locations.create(`${name} source`, { kind: 'local', path: '/src' });
  const destination = store.locations.create(`${name} destination`, {
    kind: 'local',
    path: '/dst',
  });
  const input: NewTask = {
    name,
    sourceLocationId: source.id,
    destinationLocationId: destination.id,
    options: defaultTaskOptions(),
    includes: '',
    excludes: '/tmp',
    schedule: null,
  };
  return { ...input, id: store.tasks.create(input).id };
}

/** A file result with sensible values; override what the test cares about. */
export function fileResult(overrides: Partial<FileResult> = {}): FileResult {
  return {
    path: '/a.txt',
    action: 'transferred',
    size: 10,
    sourceChecksum: null,
    destinationChecksum: null,
    detail: null,
    errorCode: null,
    at: Date.UTC(2025, 0, 2, 3, 4, 5),
    ...overrides,
  };
}
