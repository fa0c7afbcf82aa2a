import { AppError } from '../../src-shared/errors';
import {
  locationConfigSchema,
  type LocationConfig,
  type LocationSecrets,
  type SavedLocation,
} from '../../src-shared/model/location-config';
import { isForeignKeyViolation, isUniqueViolation, type Database } from './database';
import { int, json, newId, text, textOrNull, type Row } from './row';
import type { SecretBox } from './secret-box';

const SECRET_FIELDS = [
  'password',
  'secretAccessKey',
] as const satisfies readonly (keyof LocationSecrets)[];

export interface LocationUpdate {
  name?: string;
  config?: LocationConfig;
  /** Merged into the saved secrets: a field given as '' clears it, an absent field is kept. */
  secrets?: LocationSecrets;
}

/**
 * Saved locations. Secrets are encrypted with the SecretBox and never leave this class except
 * through `secretsOf` (for main's own use: connecting). Names are unique (case-sensitive).
 */
export class LocationsRepo {
  constructor(
    private readonly db: Database,
    private readonly box: SecretBox,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Saves a new location (config already validated). Empty secret fields are not stored.
   * Throws AppError `already-exists` when the name is taken.
   */
  create(name: string, config: LocationConfig, secrets: LocationSecrets = {}): SavedLocation {
    const id = newId('loc');
    const at = this.now();
    const kept = nonEmpty(secrets);
    try {
      this.db
        .statement(
          'INSERT INTO locations (id, name, config, secrets, secrets_box, secrets_set, created_at, updated_at) ' +
            'VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(id, name, JSON.stringify(config), ...this.sealed(kept), at, at);
    } catch (error) {
      throw this.mapUnique(error, name);
    }
    return this.get(id);
  }

  /**
   * Changes a location's name, config and/or secrets (see LocationUpdate for the merge rule).
   * Throws AppError `not-found` for an unknown id, `already-exists` when the new name is taken,
   * and `invalid-config` when secrets must be merged with saved ones that cannot be decrypted.
   */
  update(id: string, update: LocationUpdate): SavedLocation {
    this.db.transaction(() => {
      const row = this.row(id);
      const name = update.name ?? text(row, 'name');
      const config =
        update.config === undefined ? text(row, 'config') : JSON.stringify(update.config);
      let sealed: [string | null, string | null, string] = [
        textOrNull(row, 'secrets'),
        textOrNull(row, 'secrets_box'),
        text(row, 'secrets_set'),
      ];
      if (update.secrets !== undefined) sealed = this.sealed(this.merged(row, update.secrets));
      try {
        this.db
          .statement(
            'UPDATE locations SET name = ?, config = ?, secrets = ?, secrets_box = ?, secrets_set = ?, ' +
              'updated_at = ? WHERE id = ?',
          )
          .run(name, config, ...sealed, this.now(), id);
      } catch (error) {
        throw this.mapUnique(error, name);
      }
    });
    return this.get(id);
  }

  /** Throws AppError `not-found` for an unknown id. */
  get(id: string): SavedLocation {
    return toSaved(this.row(id));
  }

  /** Throws AppError `not-found` when no location has this exact name. */
  getByName(name: string): SavedLocation {
    const row = this.db.statement('SELECT * FROM locations WHERE name = ?').get(name);
    if (row === undefined) throw new AppError('not-found', `No location named "${name}"`, { name });
    return toSaved(row);
  }

  /** Every saved location, by name (case-insensitive order). */
  list(): SavedLocation[] {
    return this.db
      .statement('SELECT * FROM locations ORDER BY name COLLATE NOCASE, name, id')
      .all()
      .map(toSaved);
  }

  /**
   * The decrypted secrets of a location, for main's own use (never send them to a UI).
   * Throws AppError `not-found` for an unknown id; `invalid-config` when they were saved by
   * another kind of SecretBox or cannot be decrypted (the message names the location).
   */
  secretsOf(id: string): LocationSecrets {
    return this.decrypted(this.row(id));
  }

  /**
   * Deletes a location. Throws AppError `not-found` for an unknown id, and `invalid-input` when a
   * task uses it (the message names the task).
   */
  delete(id: string): void {
    this.db.transaction(() => {
      const row = this.row(id);
      const user = this.db
        .statement(
          'SELECT name FROM tasks WHERE source_location_id = ? OR destination_location_id = ? ORDER BY name LIMIT 1',
        )
        .get(id, id);
      if (user !== undefined) throw inUse(text(row, 'name'), text(user, 'name'), id);
      try {
        this.db.statement('DELETE FROM locations WHERE id = ?').run(id);
      } catch (error) {
        if (isForeignKeyViolation(error)) throw inUse(text(row, 'name'), 'another task', id);
        throw error;
      }
    });
  }

  private row(id: string): Row {
    const row = this.db.statement('SELECT * FROM locations WHERE id = ?').get(id);
    if (row === undefined) throw new AppError('not-found', `No location with id ${id}`, { id });
    return row;
  }

  /** [ciphertext, box kind, set fields JSON] for the secrets to store. */
  private sealed(secrets: LocationSecrets): [string | null, string | null, string] {
    const set = SECRET_FIELDS.filter((field) => secrets[field] !== undefined);
    if (set.length === 0) return [null, null, '[]'];
    return [this.box.encrypt(JSON.stringify(secrets)), this.box.kind, JSON.stringify(set)];
  }

  private merged(row: Row, patch: LocationSecrets): LocationSecrets {
    const saved = json<(keyof LocationSecrets)[]>(row, 'secrets_set');
    // Decrypt only when a saved secret survives the patch: re-entering every saved secret works
    // even when the old ones can no longer be decrypted (key lost, other SecretBox).
    const survivors = saved.some((field) => patch[field] === undefined);
    const merged: LocationSecrets = survivors ? this.decrypted(row) : {};
    for (const field of SECRET_FIELDS) {
      const value = patch[field];
      if (value === undefined) continue;
      if (value === '') delete merged[field];
      else merged[field] = value;
    }
    return nonEmpty(merged);
  }

  private decrypted(row: Row): LocationSecrets {
    const ciphertext = textOrNull(row, 'secrets');
    if (ciphertext === null) return {};
    const name = text(row, 'name');
    const kind = textOrNull(row, 'secrets_box');
    if (kind !== this.box.kind) {
      throw new AppError(
        'invalid-config',
        `The secrets of location "${name}" were saved by ${kind ?? 'an unknown store'} and cannot be ` +
          `read with ${this.box.kind}. Enter the password or secret key again.`,
        { locationId: text(row, 'id'), savedWith: kind, readWith: this.box.kind },
      );
    }
    try {
      return JSON.parse(this.box.decrypt(ciphertext)) as LocationSecrets;
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      throw new AppError(error.code, `Location "${name}": ${error.message}`, {
        ...error.details,
        locationId: text(row, 'id'),
      });
    }
  }

  private mapUnique(error: unknown, name: string): unknown {
    return isUniqueViolation(error)
      ? new AppError('already-exists', `A location named "${name}" already exists`, { name })
      : error;
  }
}

function nonEmpty(secrets: LocationSecrets): LocationSecrets {
  const kept: LocationSecrets = {};
  for (const field of SECRET_FIELDS) {
    const value = secrets[field];
    if (value !== undefined && value !== '') kept[field] = value;
  }
  return kept;
}

function inUse(location: string, task: string, id: string): AppError {
  return new AppError(
    'invalid-input',
    `Location "${location}" is used by task "${task}": change or delete the task first`,
    { id, task },
  );
}

function toSaved(row: Row): SavedLocation {
  const name = text(row, 'name');
  // Parsing fills in defaults of fields added after the location was saved.
  const parsed = locationConfigSchema.safeParse(json<unknown>(row, 'config'));
  if (!parsed.success) {
    throw new AppError(
      'invalid-config',
      `The saved location "${name}" has an invalid configuration`,
      {
        id: text(row, 'id'),
        issues: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
      },
    );
  }
  return {
    id: text(row, 'id'),
    name,
    config: parsed.data,
    secretsSet: json<(keyof LocationSecrets)[]>(row, 'secrets_set'),
    createdAt: int(row, 'created_at'),
    updatedAt: int(row, 'updated_at'),
  };
}
