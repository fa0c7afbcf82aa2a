import { AppError } from '../../src-shared/errors';
import type { ExportedFile } from '../../src-shared/ipc/contract';
import type { SavedLocation } from '../../src-shared/model/location-config';
import {
  PRESET_FORMAT,
  PRESET_VERSION,
  presetFileSchema,
  requiredSecrets,
  type PresetFile,
  type PresetImportResult,
} from '../../src-shared/model/preset';
import type { HistoryStore } from '../store/history-store';
import { slugify } from './file-names';
import { findIdentical, locationIdentity, uniqueName } from './location-identity';
import type { LocationService } from './location-service';
import { parsePresetFile } from './preset-file';
import { nextRunTimes } from './scheduler';
import type { TaskService } from './task-service';

type PresetLocation = PresetFile['source'];

const importedSuffix = (n: number): string => (n === 1 ? ' (imported)' : ` (imported ${n})`);

/**
 * Preset files: a saved task and its two locations as portable JSON (never a secret), and saving
 * what such a file describes.
 */
export class PresetService {
  constructor(
    private readonly store: HistoryStore,
    private readonly locations: LocationService,
    private readonly tasks: TaskService,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The preset file of a saved task, as pretty JSON named `<task-name-slug>.dataferry-preset.json`.
   * Configs only: secrets are never part of one. Throws AppError `not-found` for an unknown task,
   * `invalid-input` when a location is of the in-memory kind.
   */
  export(taskId: string): ExportedFile {
    const task = this.store.tasks.get(taskId);
    const side = (id: string): PresetLocation => {
      const location = this.store.locations.get(id);
      if (location.config.kind === 'memory') {
        throw new AppError(
          'invalid-input',
          `Location "${location.name}" is an in-memory test location: it cannot be exported`,
        );
      }
      return { name: location.name, config: location.config };
    };
    const preset: PresetFile = {
      format: PRESET_FORMAT,
      version: PRESET_VERSION,
      exportedAt: new Date(this.now()).toISOString(),
      task: {
        name: task.name,
        options: task.options,
        includes: task.includes,
        excludes: task.excludes,
        schedule: task.schedule,
      },
      source: side(task.sourceLocationId),
      destination: side(task.destinationLocationId),
    };
    // What we write must be what we read back: the importer's own check.
    presetFileSchema.parse(preset);
    return {
      fileName: `${slugify(task.name)}.dataferry-preset.json`,
      mimeType: 'application/json',
      content: `${JSON.stringify(preset, null, 2)}\n`,
    };
  }

  /**
   * Saves the task a preset file describes, with its locations: an identical saved location is
   * reused, otherwise one is created (named "<name> (imported)" when the name is taken; the task
   * likewise). The file is validated whole first (see parsePresetFile) and everything is saved
   * in one transaction, so a refusal or a failure leaves nothing behind. Locations that still
   * need a password or secret key are listed in `needSecrets`. Throws AppError `invalid-input`
   * (the file, the same place as source and destination, a bad schedule).
   */
  async import(content: string): Promise<PresetImportResult> {
    const preset = parsePresetFile(content);
    if (locationIdentity(preset.source.config) === locationIdentity(preset.destination.config)) {
      throw new AppError(
        'invalid-input',
        'The preset names the same place as source and destination: a task needs two',
      );
    }
    if (preset.task.schedule) checkSchedule(preset.task.schedule.cron);

    const saved = this.store.db.transaction(() => {
      const source = this.place(preset.source);
      const destination = this.place(preset.destination);
      const taken = new Set(this.store.tasks.list().map((t) => t.name));
      const task = this.tasks.insert({
        name: uniqueName(preset.task.name, (n) => taken.has(n), importedSuffix),
        sourceLocationId: source.id,
        destinationLocationId: destination.id,
        options: preset.task.options,
        includes: preset.task.includes,
        excludes: preset.task.excludes,
        schedule: preset.task.schedule,
      });
      return { task, source, destination };
    });
    this.tasks.resync();

    const [source, destination] = await Promise.all([
      this.locations.get(saved.source.id),
      this.locations.get(saved.destination.id),
    ]);
    return {
      task: saved.task,
      source,
      destination,
      needSecrets: missingSecrets([source, destination]),
    };
  }

  /** An identical saved location (the same name preferred), or a new one. Inside a transaction. */
  private place(wanted: PresetLocation): SavedLocation {
    const all = this.store.locations.list();
    const same = findIdentical(all, wanted.config, () => true, wanted.name);
    if (same) return same;
    const taken = new Set(all.map((l) => l.name));
    const name = uniqueName(wanted.name, (n) => taken.has(n), importedSuffix);
    return this.locations.create(name, wanted.config);
  }
}

/** Throws invalid-input naming the field when a preset's cron expression cannot be read. */
function checkSchedule(cron: string): void {
  try {
    nextRunTimes(cron, 1);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    throw new AppError(
      'invalid-input',
      `The preset file is not valid: task.schedule.cron: ${error.message}`,
      { field: 'task.schedule.cron' },
    );
  }
}

/** The secrets each location cannot work without and does not have. */
function missingSecrets(locations: SavedLocation[]): PresetImportResult['needSecrets'] {
  return locations.flatMap((l) => {
    const secrets = requiredSecrets(l.config).filter((s) => !l.secretsSet.includes(s));
    return secrets.length === 0 ? [] : [{ locationId: l.id, name: l.name, secrets }];
  });
}
