import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate, openDatabase, schemaVersion } from '../../../src-main/store/database';
import { MIGRATIONS, type Migration } from '../../../src-main/store/migrations';
import { onCleanup, tempDir } from './store-fixtures';
import { thrown } from '../../support/app-errors';

function open(file: string, migrations?: readonly Migration[]) {
  const db = openDatabase(file, migrations === undefined ? {} : { migrations });
  onCleanup(() => db.close());
  return db;
}

describe('openDatabase', () => {
  it('creates the schema, sets WAL, foreign keys and busy timeout', () => {
    const db = open(path.join(tempDir(), 'h.db'));
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    expect(db.statement('PRAGMA journal_mode').get()?.journal_mode).toBe('wal');
    expect(db.statement('PRAGMA foreign_keys').get()?.foreign_keys).toBe(1);
    expect(db.statement('PRAGMA busy_timeout').get()?.timeout).toBe(5000);
    const tables = db
      .statement("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all()
      .map((r) => r.name);
    expect(tables).toEqual(
      expect.arrayContaining(['locations', 'tasks', 'executions', 'file_results', 'execution_log']),
    );
  });

  it('accepts :memory:', () => {
    const db = open(':memory:');
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
  });

  it('applies migrations once: reopening and migrating again change nothing', () => {
    const file = path.join(tempDir(), 'h.db');
    open(file).close();
    const db = open(file);
    expect(migrate(db, MIGRATIONS)).toEqual([]);
    const rows = db.statement('SELECT version, name FROM schema_migrations ORDER BY version').all();
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it('applies only the new migrations of a later version', () => {
    const file = path.join(tempDir(), 'h.db');
    open(file).close();
    const later = [
      ...MIGRATIONS,
      { version: MIGRATIONS.length + 1, name: 'extra', sql: 'CREATE TABLE extra (x)' },
    ];
    const db = open(file, later);
    expect(schemaVersion(db)).toBe(later.length);
    expect(migrate(db, later)).toEqual([]);
  });

  it('rolls a failing migration back entirely', () => {
    const file = path.join(tempDir(), 'h.db');
    const broken = [
      ...MIGRATIONS,
      { version: MIGRATIONS.length + 1, name: 'broken', sql: 'CREATE TABLE half (x); NOT SQL' },
    ];
    expect(() => open(file, broken)).toThrow();
    const db = open(file);
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    expect(
      db.statement("SELECT name FROM sqlite_master WHERE name = 'half'").get(),
    ).toBeUndefined();
  });

  it('refuses a database written by a newer DataFerry, naming both versions', () => {
    const file = path.join(tempDir(), 'h.db');
    const newer = [
      ...MIGRATIONS,
      { version: MIGRATIONS.length + 1, name: 'future', sql: 'SELECT 1' },
    ];
    open(file, newer).close();
    const error = thrown(() => open(file));
    expect(error.code).toBe('invalid-config');
    expect(error.message).toContain(`schema version ${MIGRATIONS.length + 1}`);
    expect(error.message).toContain(`versions up to ${MIGRATIONS.length}`);
    expect(error.message).toContain(file);
  });

  it('refuses a file that is not a database, naming it', () => {
    const file = path.join(tempDir(), 'h.db');
    fs.writeFileSync(file, 'this is not a SQLite database, just some text. '.repeat(100));
    const error = thrown(() => open(file));
    expect(error.code).toBe('invalid-config');
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/damaged or is not a DataFerry database/);
  });

  it('says when the file cannot be opened', () => {
    const file = path.join(tempDir(), 'missing-folder', 'h.db');
    const error = thrown(() => open(file));
    expect(error.code).toBe('unavailable');
    expect(error.message).toContain(file);
  });

  it('refuses migrations that are not numbered 1, 2, 3', () => {
    expect(() => open(':memory:', [{ version: 2, name: 'gap', sql: 'SELECT 1' }])).toThrow(
      /version 1/,
    );
  });
});

describe('Database.transaction', () => {
  it('commits, rolls back on error, and nests with savepoints', () => {
    const db = open(':memory:');
    db.exec('CREATE TABLE t (x INTEGER)');
    const insert = (x: number) => db.statement('INSERT INTO t VALUES (?)').run(x);
    const values = () =>
      db
        .statement('SELECT x FROM t ORDER BY x')
        .all()
        .map((r) => r.x);

    db.transaction(() => insert(1));
    expect(() =>
      db.transaction(() => {
        insert(2);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(values()).toEqual([1]);

    db.transaction(() => {
      insert(3);
      expect(() =>
        db.transaction(() => {
          insert(4);
          throw new Error('inner');
        }),
      ).toThrow('inner');
      insert(5);
    });
    expect(values()).toEqual([1, 3, 5]);
    expect(db.connection.isTransaction).toBe(false);
  });

  it('refuses an async function', () => {
    const db = open(':memory:');
    expect(() => db.transaction(async () => undefined)).toThrow(/synchronous/);
    expect(db.connection.isTransaction).toBe(false);
  });
});
