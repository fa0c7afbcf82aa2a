/**
 * The history database's schema, as an ordered list of migrations. Never edit a released
 * migration: add a new one. Each runs in its own transaction and is recorded in
 * `schema_migrations`, so a database is always at exactly one version.
 *
 * Times are milliseconds since the epoch (INTEGER). JSON columns hold the shared model's objects.
 * Enumerations (status, action, level) are not CHECK-constrained on purpose: a later version may
 * add values without rebuilding the table.
 */
export interface Migration {
  /** 1, 2, 3... in order. */
  version: number;
  name: string;
  sql: string;
}

const initialSchema = `
CREATE TABLE locations (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  config      TEXT NOT NULL,          -- LocationConfig as JSON (never a secret)
  secrets     TEXT,                   -- SecretBox ciphertext of LocationSecrets JSON, NULL if none
  secrets_box TEXT,                   -- SecretBox.kind that encrypted secrets
  secrets_set TEXT NOT NULL DEFAULT '[]', -- JSON array of the secret fields that are set
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);

CREATE TABLE tasks (
  id                      TEXT PRIMARY KEY,
  name                    TEXT NOT NULL UNIQUE,
  source_location_id      TEXT NOT NULL REFERENCES locations (id) ON DELETE RESTRICT,
  destination_location_id TEXT NOT NULL REFERENCES locations (id) ON DELETE RESTRICT,
  options                 TEXT NOT NULL,   -- TaskOptions JSON
  includes                TEXT NOT NULL DEFAULT '',
  excludes                TEXT NOT NULL DEFAULT '',
  schedule                TEXT,            -- Schedule JSON, NULL when none
  created_at              INTEGER NOT NULL,
  updated_at              INTEGER NOT NULL
);
CREATE INDEX tasks_source_location ON tasks (source_location_id);
CREATE INDEX tasks_destination_location ON tasks (destination_location_id);

CREATE TABLE executions (
  id                      TEXT PRIMARY KEY,
  task_id                 TEXT REFERENCES tasks (id) ON DELETE SET NULL,
  task_name               TEXT NOT NULL,
  source_description      TEXT NOT NULL,
  destination_description TEXT NOT NULL,
  options                 TEXT,            -- TaskOptions JSON snapshot, NULL when unknown
  status                  TEXT NOT NULL,
  phases                  TEXT NOT NULL,   -- Record<Phase, PhaseResult> JSON
  counters                TEXT NOT NULL,   -- ExecutionCounters JSON
  start_time              INTEGER NOT NULL,
  launch_time             INTEGER,
  end_time                INTEGER,
  bytes_per_second        INTEGER NOT NULL,
  error                   TEXT,            -- ErrorInfo JSON
  interrupted             INTEGER NOT NULL DEFAULT 0,
  owner_pid               INTEGER          -- the process running it, to tell crashed from live
);
CREATE INDEX executions_start ON executions (start_time DESC);
CREATE INDEX executions_task_start ON executions (task_id, start_time DESC);
CREATE INDEX executions_status ON executions (status);

CREATE TABLE file_results (
  execution_id         TEXT NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
  seq                  INTEGER NOT NULL,
  path                 TEXT NOT NULL,
  action               TEXT NOT NULL,
  size                 INTEGER NOT NULL,
  source_checksum      TEXT,
  destination_checksum TEXT,
  detail               TEXT,
  error_code           TEXT,
  at                   INTEGER NOT NULL,
  PRIMARY KEY (execution_id, seq)
) WITHOUT ROWID;
-- A WITHOUT ROWID table's indexes end with its key, so this one is (execution_id, action, seq).
CREATE INDEX file_results_action ON file_results (execution_id, action);
CREATE INDEX file_results_errors ON file_results (execution_id, seq)
  WHERE error_code IS NOT NULL OR action = 'failed';

CREATE TABLE execution_log (
  execution_id TEXT NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
  seq          INTEGER NOT NULL,
  at           INTEGER NOT NULL,
  level        TEXT NOT NULL,
  message      TEXT NOT NULL,
  PRIMARY KEY (execution_id, seq)
) WITHOUT ROWID;
`;

/** Every migration this version of DataFerry knows, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial schema', sql: initialSchema },
];
