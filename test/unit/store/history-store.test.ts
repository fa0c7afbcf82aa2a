import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src-shared/errors';
import { DATABASE_FILE, openHistoryStore } from '../../../src-main/store/history-store';
import { createFileKeySecretBox } from '../../../src-main/store/secret-box';
import { tempDir } from './store-fixtures';

describe('openHistoryStore', () => {
  it('creates the folder and database, and keeps data across reopening', () => {
    const dir = path.join(tempDir(), 'new', 'DataFerry');
    const box = createFileKeySecretBox(dir);
    const store = openHistoryStore(dir, box);
    expect(store.file).toBe(path.join(dir, DATABASE_FILE));
    expect(store.interruptedOnOpen).toBe(0);
    if (process.platform !== 'win32') {
      for (const f of [DATABASE_FILE, `${DATABASE_FILE}-wal`, `${DATABASE_FILE}-shm`]) {
        expect(fs.statSync(path.join(dir, f)).mode & 0o777, f).toBe(0o600);
      }
    }
    const location = store.locations.create(
      'Disk',
      { kind: 'local', path: '/d' },
      { password: 'pw' },
    );
    store.close();
    store.close();
    expect(fs.existsSync(store.file)).toBe(true);

    const again = openHistoryStore(dir, createFileKeySecretBox(dir));
    try {
      expect(again.locations.get(location.id).name).toBe('Disk');
      expect(again.locations.secretsOf(location.id)).toEqual({ password: 'pw' });
    } finally {
      again.close();
    }
  });

  it('marks executions left running by a stopped process, and reports how many', () => {
    const dir = tempDir();
    const box = createFileKeySecretBox(dir);
    const first = openHistoryStore(dir, box);
    first.executions.create({
      taskId: null,
      taskName: 'x',
      sourceDescription: 'a',
      destinationDescription: 'b',
      status: 'TRANSFERRING',
      startTime: 1,
    });
    first.executions.create({
      taskId: null,
      taskName: 'y',
      sourceDescription: 'a',
      destinationDescription: 'b',
      status: 'SUCCESS',
      startTime: 2,
    });
    first.close();

    const second = openHistoryStore(dir, box, { now: () => 500 });
    try {
      expect(second.interruptedOnOpen).toBe(1);
      const [latest, earlier] = second.executions.list();
      expect(latest?.status).toBe('SUCCESS');
      expect(earlier).toMatchObject({ status: 'ERROR', interrupted: true, endTime: 500 });
    } finally {
      second.close();
    }
  });

  it('refuses a corrupt database file, naming it', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, DATABASE_FILE), Buffer.alloc(8192, 0x41));
    let error: unknown;
    try {
      openHistoryStore(dir, createFileKeySecretBox(dir));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('invalid-config');
    expect((error as AppError).message).toContain(path.join(dir, DATABASE_FILE));
  });
});
