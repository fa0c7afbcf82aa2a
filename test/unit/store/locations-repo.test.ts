import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocationsRepo } from '../../../src-main/store/locations-repo';
import type { SecretBox } from '../../../src-main/store/secret-box';
import { seedTask, tempStore } from './store-fixtures';
import { thrown } from '../../support/app-errors';

const smb = {
  kind: 'smb',
  server: 'nas.local',
  port: 445,
  share: 'photos',
  path: '',
  domain: '',
  user: 'alice',
  version: 'AUTOMATIC',
} as const;

describe('LocationsRepo', () => {
  it('creates, gets, lists, renames and deletes', () => {
    let clock = 1000;
    const { store } = tempStore(() => clock);
    const saved = store.locations.create('NAS', smb, { password: 'pw' });
    expect(saved).toMatchObject({
      name: 'NAS',
      config: smb,
      secretsSet: ['password'],
      createdAt: 1000,
      updatedAt: 1000,
    });
    expect(saved.id).toMatch(/^loc-[0-9a-f]{17}$/);
    expect(store.locations.get(saved.id)).toEqual(saved);
    expect(store.locations.getByName('NAS')).toEqual(saved);
    const local = store.locations.create('Disk', { kind: 'local', path: '/data' });
    expect(local.secretsSet).toEqual([]);
    expect(store.locations.list().map((l) => l.name)).toEqual(['Disk', 'NAS']);

    clock = 2000;
    const renamed = store.locations.update(saved.id, { name: 'Big NAS' });
    expect(renamed).toMatchObject({
      name: 'Big NAS',
      config: smb,
      secretsSet: ['password'],
      createdAt: 1000,
      updatedAt: 2000,
    });
    const moved = store.locations.update(local.id, {
      config: { kind: 'local', path: '/elsewhere' },
    });
    expect(moved.config).toEqual({ kind: 'local', path: '/elsewhere' });

    store.locations.delete(local.id);
    expect(thrown(() => store.locations.get(local.id)).code).toBe('not-found');
    expect(store.locations.list()).toHaveLength(1);
  });

  it('fills in config defaults on reading', () => {
    const { store } = tempStore();
    const saved = store.locations.create('Bucket', {
      kind: 's3',
      bucket: 'my-bucket',
    } as never);
    expect(saved.config).toMatchObject({
      kind: 's3',
      bucket: 'my-bucket',
      storageClass: 'STANDARD',
      credentials: 'default',
    });
  });

  it('refuses a taken name on create and rename', () => {
    const { store } = tempStore();
    store.locations.create('NAS', smb);
    const other = store.locations.create('Disk', { kind: 'local', path: '/d' });
    const created = thrown(() => store.locations.create('NAS', smb));
    expect(created.code).toBe('already-exists');
    expect(created.message).toBe('A location named "NAS" already exists');
    expect(thrown(() => store.locations.update(other.id, { name: 'NAS' })).code).toBe(
      'already-exists',
    );
  });

  it('answers not-found for unknown ids and names', () => {
    const { store } = tempStore();
    const error = thrown(() => store.locations.get('loc-nope'));
    expect(error.code).toBe('not-found');
    expect(error.message).toBe('No location with id loc-nope');
    expect(thrown(() => store.locations.getByName('nope')).code).toBe('not-found');
    expect(thrown(() => store.locations.update('loc-nope', { name: 'x' })).code).toBe('not-found');
    expect(thrown(() => store.locations.delete('loc-nope')).code).toBe('not-found');
    expect(thrown(() => store.locations.secretsOf('loc-nope')).code).toBe('not-found');
  });

  it('refuses to delete a location a task uses, naming the task', () => {
    const { store } = tempStore();
    const task = seedTask(store, 'Nightly');
    const error = thrown(() => store.locations.delete(task.destinationLocationId));
    expect(error.code).toBe('invalid-input');
    expect(error.message).toMatch(/^Location "Nightly destination" is used by task "Nightly"/);
    store.tasks.delete(task.id);
    store.locations.delete(task.destinationLocationId);
  });

  it('merges secrets: a given field replaces, an empty one clears, an absent one stays', () => {
    const { store } = tempStore();
    const saved = store.locations.create(
      'S3',
      { kind: 'object-storage', server: 'minio', bucket: 'b' } as never,
      {
        password: 'p1',
        secretAccessKey: '',
      },
    );
    expect(saved.secretsSet).toEqual(['password']);
    expect(store.locations.secretsOf(saved.id)).toEqual({ password: 'p1' });

    expect(
      store.locations.update(saved.id, { secrets: { secretAccessKey: 'k1' } }).secretsSet,
    ).toEqual(['password', 'secretAccessKey']);
    expect(store.locations.secretsOf(saved.id)).toEqual({ password: 'p1', secretAccessKey: 'k1' });

    expect(store.locations.update(saved.id, { secrets: { password: '' } }).secretsSet).toEqual([
      'secretAccessKey',
    ]);
    expect(store.locations.secretsOf(saved.id)).toEqual({ secretAccessKey: 'k1' });

    expect(store.locations.update(saved.id, { name: 'renamed' }).secretsSet).toEqual([
      'secretAccessKey',
    ]);
    expect(store.locations.secretsOf(saved.id)).toEqual({ secretAccessKey: 'k1' });

    expect(
      store.locations.update(saved.id, { secrets: { secretAccessKey: '' } }).secretsSet,
    ).toEqual([]);
    expect(store.locations.secretsOf(saved.id)).toEqual({});
  });

  it('never returns secret values in a SavedLocation', () => {
    const { store } = tempStore();
    const secret = 'never-show-me-9b1f';
    const saved = store.locations.create('NAS', smb, { password: secret });
    for (const view of [
      saved,
      store.locations.get(saved.id),
      store.locations.getByName('NAS'),
      ...store.locations.list(),
    ]) {
      expect(JSON.stringify(view)).not.toContain(secret);
    }
  });

  it('keeps secrets encrypted at rest: the plaintext is in no database file', () => {
    const { store, dir } = tempStore();
    const secret = 'PLAINTEXT-secret-7c2e4d';
    const saved = store.locations.create('NAS', smb, { password: secret });
    store.locations.update(saved.id, { secrets: { secretAccessKey: `${secret}-2` } });
    const files = fs.readdirSync(dir).filter((f) => f.startsWith('dataferry.db'));
    expect(files).toEqual(expect.arrayContaining(['dataferry.db', 'dataferry.db-wal']));
    const check = () => {
      const all: Buffer[] = [];
      for (const f of fs.readdirSync(dir).filter((name) => name.startsWith('dataferry.db'))) {
        const bytes = fs.readFileSync(path.join(dir, f));
        all.push(bytes);
        expect(bytes.includes(Buffer.from(secret, 'utf8')), f).toBe(false);
        expect(bytes.includes(Buffer.from(secret, 'utf16le')), f).toBe(false);
      }
      // The search works: the (non-secret) config is there in plain text.
      expect(Buffer.concat(all).includes(Buffer.from('nas.local'))).toBe(true);
    };
    check();
    store.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    check();
    expect(store.locations.secretsOf(saved.id)).toEqual({
      password: secret,
      secretAccessKey: `${secret}-2`,
    });
  });

  it('names the location when its secrets cannot be decrypted', () => {
    const { store } = tempStore();
    const saved = store.locations.create('NAS', smb, { password: 'pw' });
    store.db
      .statement('UPDATE locations SET secrets = ? WHERE id = ?')
      .run('AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e', saved.id);
    const error = thrown(() => store.locations.secretsOf(saved.id));
    expect(error.code).toBe('invalid-config');
    expect(error.message).toMatch(/^Location "NAS": A saved secret could not be decrypted/);
    // Re-entering every saved secret works without decrypting the old ones.
    store.locations.update(saved.id, { secrets: { password: 'new' } });
    expect(store.locations.secretsOf(saved.id)).toEqual({ password: 'new' });
  });

  it('says when secrets were saved by another kind of SecretBox', () => {
    const { store } = tempStore();
    const saved = store.locations.create('NAS', smb, { password: 'pw' });
    const other: SecretBox = { kind: 'safe-storage', encrypt: (s) => s, decrypt: (s) => s };
    const error = thrown(() => new LocationsRepo(store.db, other).secretsOf(saved.id));
    expect(error.code).toBe('invalid-config');
    expect(error.message).toContain('saved by file-key');
    expect(error.message).toContain('safe-storage');
  });
});
