import type { z } from 'zod';
import {
  localConfigSchema,
  nfsConfigSchema,
  objectStorageConfigSchema,
  s3ConfigSchema,
  smbConfigSchema,
  type LocationConfig,
  type LocationSecrets,
} from '../../../../src-shared/model/location-config';
import {
  buildConfigInput,
  efsCommand,
  presetInfo,
  type FieldErrors,
  type FieldName,
  type Preset,
  type PresetInfo,
  type SecretField,
  type Secrets,
  type Values,
} from './editor-model';

/*
 * Checks the location form with the contract's own zod schemas (safeParse of the kind's schema,
 * a message per field), plus the rules a schema cannot know; and what a Save or Test sends.
 */

const SCHEMAS = {
  local: localConfigSchema,
  smb: smbConfigSchema,
  nfs: nfsConfigSchema,
  s3: s3ConfigSchema,
  'object-storage': objectStorageConfigSchema,
} as const;

/** The schema a preset's config must pass. */
export function schemaOf(preset: Preset): (typeof SCHEMAS)[PresetInfo['kind']] {
  return SCHEMAS[presetInfo(preset).kind];
}

/** A zod issue in words for the form: the schema's own sentence, or ours for the generic ones. */
function messageOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'too_big') {
    return issue.origin === 'number'
      ? `At most ${String(issue.maximum)}`
      : `At most ${String(issue.maximum)} characters`;
  }
  if (issue.code === 'too_small' && issue.origin === 'number') {
    return `At least ${String(issue.minimum)}`;
  }
  if (issue.code === 'invalid_type' && issue.expected === 'number') return 'Type a whole number';
  return capitalize(issue.message);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const ABSOLUTE = /^(\/|[A-Za-z]:[\\/]|\\\\)/;

export interface FormInput {
  preset: Preset;
  name: string;
  values: Values;
  /** Secrets as typed in this form ('' = not typed). */
  secrets: Secrets;
  /** Secrets the saved location already has (edit form). */
  secretsSet: readonly SecretField[];
  /** Names of the other saved locations, which a new name must not repeat. */
  otherNames: readonly string[];
}

export interface Validation {
  /** The config to send (or test), when every field but the name is right. */
  config: LocationConfig | null;
  errors: FieldErrors;
  /** True when the form can be saved: a config and a good name. */
  valid: boolean;
}

/**
 * Checks the form: the name, the preset's schema (safeParse, a message per field), and what the
 * schema cannot know (a profile needs its name, keys need their secret, EFS needs a mount
 * command that can be built).
 */
export function validate(input: FormInput): Validation {
  const { preset, values } = input;
  const errors: FieldErrors = {};
  const name = input.name.trim();
  if (name === '') errors.name = 'A name is required';
  else if (name.length > 200) errors.name = 'At most 200 characters';
  else if (input.otherNames.includes(name))
    errors.name = `A location named “${name}” exists already`;

  const parsed = schemaOf(preset).safeParse(buildConfigInput(preset, values));
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path[0];
      if (typeof field !== 'string') continue;
      const key = (preset === 'efs' && field === 'path' ? 'mountPoint' : field) as FieldName;
      errors[key] ??= messageOf(issue);
    }
  }
  // The rules the schema cannot express say more than its generic message on the same field.
  Object.assign(errors, extraErrors(input));
  const configOk = parsed.success && Object.keys(errors).every((field) => field === 'name');
  const config = configOk ? (parsed.data as LocationConfig) : null;
  return { config, errors, valid: config !== null && errors.name === undefined };
}

/** The rules the schemas cannot express. */
function extraErrors(input: FormInput): FieldErrors {
  const { preset, values, secrets, secretsSet } = input;
  const errors: FieldErrors = {};
  const hasSecret = (field: SecretField): boolean =>
    secrets[field] !== '' || secretsSet.includes(field);
  switch (preset) {
    case 'local':
      if (values.path.trim() !== '' && !ABSOLUTE.test(values.path.trim())) {
        errors.path = 'Type a full path, starting from the root (/ or C:\\)';
      }
      break;
    case 'efs': {
      if (values.server.trim() === '') errors.server = 'A file system is required';
      else {
        const command = efsCommand(values);
        if ('error' in command) {
          errors[/region/i.test(command.error) ? 'region' : 'server'] = command.error;
        }
      }
      if (values.mountPoint.trim() !== '' && !values.mountPoint.trim().startsWith('/')) {
        errors.mountPoint = 'Type a full path, such as /mnt/efs';
      }
      break;
    }
    case 's3':
      if (values.bucket.trim().length > 0 && values.bucket.trim().length < 3) {
        errors.bucket = 'A bucket name has 3 to 63 characters';
      }
      if (values.credentials === 'profile' && values.profile.trim() === '') {
        errors.profile = 'A profile name is required';
      }
      if (values.credentials === 'keys') {
        if (values.accessKeyId.trim() === '') errors.accessKeyId = 'An access key ID is required';
        if (!hasSecret('secretAccessKey')) {
          errors.secretAccessKey = 'A secret access key is required';
        }
      }
      break;
    case 'object-storage':
      if (values.accessKeyId.trim() !== '' && !hasSecret('secretAccessKey')) {
        errors.secretAccessKey = 'A secret access key is required with an access key ID';
      }
      if (values.accessKeyId.trim() === '' && secrets.secretAccessKey !== '') {
        errors.accessKeyId = 'An access key ID is required with a secret key';
      }
      break;
    case 'smb':
    case 'fsx':
    case 'nfs':
      break;
  }
  return errors;
}

/** The secrets this preset uses that were typed (only those are sent: the rest stay as saved). */
export function typedSecrets(preset: Preset, values: Values, secrets: Secrets): LocationSecrets {
  const out: LocationSecrets = {};
  const kind = presetInfo(preset).kind;
  if (kind === 'smb' && secrets.password !== '') out.password = secrets.password;
  const usesKey = kind === 'object-storage' || (kind === 's3' && values.credentials === 'keys');
  if (usesKey && secrets.secretAccessKey !== '') out.secretAccessKey = secrets.secretAccessKey;
  return out;
}

/** The same config, whatever the order of its keys (to tell "nothing changed"). */
export function sameConfig(a: LocationConfig, b: LocationConfig): boolean {
  return stable(a) === stable(b);
}

function stable(value: object): string {
  const entries = Object.entries(value)
    .filter(([, v]) => v !== undefined)
    .sort(([x], [y]) => (x < y ? -1 : 1));
  return JSON.stringify(entries);
}
