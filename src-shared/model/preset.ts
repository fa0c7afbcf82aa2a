import { z } from 'zod';
import {
  localConfigSchema,
  nfsConfigSchema,
  objectStorageConfigSchema,
  s3ConfigSchema,
  smbConfigSchema,
  type LocationConfig,
  type LocationSecrets,
  type SavedLocation,
} from './location-config';
import { filterPatternSchema, scheduleSchema, taskOptionsSchema, type Task } from './task';

/*
 * A preset file: a saved task and its two locations, portable to another machine. Secrets never
 * travel in one (the importer types them again); everything else is validated as strictly as a
 * request, so a malformed or hostile file is refused whole and nothing is saved.
 */

export const PRESET_FORMAT = 'dataferry-preset';
export const PRESET_VERSION = 1;
/** A preset is a few KiB; anything near this is not one (and it stays under the web host's 1 MiB WebSocket message limit). */
export const MAX_PRESET_FILE_BYTES = 512 * 1024;

/** The kinds a preset may hold: every saved kind (the in-memory test kind is never saved). */
const presetLocationConfigSchema = z.discriminatedUnion('kind', [
  localConfigSchema,
  smbConfigSchema,
  nfsConfigSchema,
  s3ConfigSchema,
  objectStorageConfigSchema,
]);

const presetLocationSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    config: presetLocationConfigSchema,
  })
  .strict();

export const presetFileSchema = z
  .object({
    format: z.literal(PRESET_FORMAT),
    version: z.literal(PRESET_VERSION),
    exportedAt: z.string().max(64).optional(),
    task: z
      .object({
        name: z.string().trim().min(1).max(200),
        options: taskOptionsSchema,
        includes: filterPatternSchema,
        excludes: filterPatternSchema,
        schedule: scheduleSchema.nullable().default(null),
      })
      .strict(),
    source: presetLocationSchema,
    destination: presetLocationSchema,
  })
  .strict();

export type PresetFile = z.output<typeof presetFileSchema>;

/** What importing a preset saved, and which of its locations still need a secret typed in. */
export interface PresetImportResult {
  task: Task;
  source: SavedLocation;
  destination: SavedLocation;
  /** Locations (by id) whose secrets the file could not carry: the user must enter them. */
  needSecrets: { locationId: string; name: string; secrets: (keyof LocationSecrets)[] }[];
}

/** The secrets a location config cannot work without. */
export function requiredSecrets(config: LocationConfig): (keyof LocationSecrets)[] {
  switch (config.kind) {
    case 'smb':
      return ['password'];
    case 's3':
      return config.credentials === 'keys' ? ['secretAccessKey'] : [];
    case 'object-storage':
      return config.accessKeyId ? ['secretAccessKey'] : [];
    default:
      return [];
  }
}

/** The answer of `tasks:preview-filter`. */
export interface FilterPreview {
  /** Files (not folders) the filters let through, and their bytes. */
  matchedFiles: number;
  matchedBytes: number;
  /** Files looked at. */
  examinedFiles: number;
  /** False when the walk stopped at the limit or the time bound: the counts are lower bounds. */
  complete: boolean;
}
