import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LocationConfigInput } from '../../../src-shared/model/location-config';
import { openRig, scratchDir } from './service-fixture';

// `locations:derive` through dispatch, on a real store: what dragging a sub-folder of a browser
// pane onto a task slot saves.

describe('locations:derive', () => {
  it('saves a local sub-folder that browses to that folder', async () => {
    const rig = await openRig();
    const root = await scratchDir('derive-root');
    await mkdir(path.join(root, 'photos', '2024'), { recursive: true });
    await writeFile(path.join(root, 'photos', '2024', 'beach.jpg'), 'jpg');
    const parent = await rig.value('locations:create', {
      name: 'Disk',
      config: { kind: 'local', path: root },
    });
    const derived = await rig.value('locations:derive', { id: parent.id, path: 'photos/2024' });
    expect(derived.name).toBe('Disk / photos/2024');
    expect(derived.config).toEqual({ kind: 'local', path: path.join(root, 'photos', '2024') });
    const listing = await rig.value('locations:browse', { target: { id: derived.id }, path: '' });
    expect(listing.entries.map((e) => e.name)).toEqual(['beach.jpg']);
  });

  it.each<[string, LocationConfigInput, Record<string, unknown>]>([
    [
      'an SMB path',
      { kind: 'smb', server: 'nas', share: 'data', user: 'ana', path: '\\team\\' },
      { path: 'team/a b/c' },
    ],
    [
      'an SMB share root',
      { kind: 'smb', server: 'nas', share: 'data', user: 'ana' },
      { path: 'a b/c' },
    ],
    [
      'an NFS path',
      { kind: 'nfs', server: 'nfs1', export: '/exports', path: '/data' },
      { path: 'data/a b/c' },
    ],
    [
      'an S3 prefix',
      { kind: 's3', bucket: 'my-bucket', prefix: 'photos/' },
      { prefix: 'photos/a b/c' },
    ],
    [
      'an object storage bucket root',
      { kind: 'object-storage', server: 'minio.lan', bucket: 'b', accessKeyId: 'AK' },
      { prefix: 'a b/c' },
    ],
  ])('appends the folder to %s', async (_label, config, expected) => {
    const rig = await openRig();
    const parent = await rig.value('locations:create', { name: 'P', config });
    const derived = await rig.value('locations:derive', { id: parent.id, path: 'a b/c' });
    expect(derived.config).toEqual({ ...parent.config, ...expected });
    expect(derived.name).toBe('P / a b/c');
  });

  it('carries the secrets over, re-encrypted, and reuses an identical saved location', async () => {
    const rig = await openRig();
    const parent = await rig.value('locations:create', {
      name: 'NAS',
      config: { kind: 'smb', server: 'nas', share: 'data', user: 'ana' },
      secrets: { password: 'hunter2' },
    });
    const first = await rig.value('locations:derive', { id: parent.id, path: 'team' });
    expect(first.secretsSet).toEqual(['password']);
    expect(rig.services.store.locations.secretsOf(first.id)).toEqual({ password: 'hunter2' });
    const again = await rig.value('locations:derive', { id: parent.id, path: 'team' });
    expect(again.id).toBe(first.id);
    expect(rig.counts().locations).toBe(2);

    // Same place, other password: not the same location, so a new one (its name made unique).
    await rig.value('locations:update', { id: first.id, secrets: { password: 'changed' } });
    const third = await rig.value('locations:derive', { id: parent.id, path: 'team' });
    expect(third.id).not.toBe(first.id);
    expect(third.name).toBe('NAS / team (2)');
    expect(rig.services.store.locations.secretsOf(third.id)).toEqual({ password: 'hunter2' });
  });

  it('reuses a saved location written with other slashes', async () => {
    const rig = await openRig();
    const parent = await rig.value('locations:create', {
      name: 'Bucket',
      config: { kind: 's3', bucket: 'my-bucket' },
    });
    const twin = await rig.value('locations:create', {
      name: 'Typed by hand',
      config: { kind: 's3', bucket: 'my-bucket', prefix: '/reports/q1/' },
    });
    const derived = await rig.value('locations:derive', { id: parent.id, path: 'reports/q1' });
    expect(derived.id).toBe(twin.id);
  });

  it.each([
    ['..', 'a/../../etc'],
    ['an absolute path', '/etc'],
    ['a NUL byte', 'a\0b'],
    ['a trailing slash', 'a/'],
  ])('refuses %s with invalid-name and saves nothing', async (_label, bad) => {
    const rig = await openRig();
    const root = await scratchDir('derive-bad');
    const parent = await rig.value('locations:create', {
      name: 'D',
      config: { kind: 'local', path: root },
    });
    const answer = await rig.call('locations:derive', { id: parent.id, path: bad });
    expect(answer.ok).toBe(false);
    if (!answer.ok) expect(answer.error.code).toBe('invalid-name');
    expect(rig.counts().locations).toBe(1);
  });

  it('refuses a backslash where a config reads it as a separator', async () => {
    const rig = await openRig();
    const parent = await rig.value('locations:create', {
      name: 'NAS',
      config: { kind: 'smb', server: 'nas', share: 'data', user: 'ana', path: 'team' },
    });
    const answer = await rig.call('locations:derive', { id: parent.id, path: 'a\\..\\..\\x' });
    expect(answer).toMatchObject({ ok: false, error: { code: 'invalid-name' } });
    expect(rig.counts().locations).toBe(1);
  });

  it('answers not-found for an unknown location', async () => {
    const rig = await openRig();
    const answer = await rig.call('locations:derive', { id: 'loc-nope', path: 'a' });
    expect(answer).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });
});

describe('testing an edited saved location', () => {
  it('uses the stored password while server and account stay, and refuses it for another server', async () => {
    const rig = await openRig();
    const saved = await rig.value('locations:create', {
      name: 'NAS',
      config: { kind: 'smb', server: '127.0.0.1', port: 1, share: 'data', user: 'ana' },
      secrets: { password: 's3cret-pw' },
    });
    if (saved.config.kind !== 'smb') throw new Error('expected an SMB location');
    const config = { ...saved.config, share: 'other' };
    // Same server and user: main completes the secrets and really tries (nothing listens on 1).
    expect(rig.services.locations.resolve({ id: saved.id, config }).secrets).toEqual({
      password: 's3cret-pw',
    });
    const sameServer = await rig.call('locations:test', { id: saved.id, config });
    expect(sameServer.ok ? null : sameServer.error.code).toBe('unavailable');
    // Another server: the stored password is not sent there.
    const elsewhere = await rig.call('locations:test', {
      id: saved.id,
      config: { ...config, server: '127.0.0.2' },
    });
    expect(elsewhere.ok ? null : elsewhere.error).toMatchObject({
      code: 'invalid-input',
      message: expect.stringContaining('only sent to the server and account it was saved for'),
    });
    // Typed again, it goes anywhere the user says.
    const typed = await rig.call('locations:test', {
      id: saved.id,
      config: { ...config, server: '127.0.0.2' },
      secrets: { password: 'typed' },
    });
    expect(typed.ok ? null : typed.error.code).toBe('unavailable');
  });
});
