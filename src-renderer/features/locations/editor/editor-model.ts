import { FSX_WINDOWS_PRESET, domainOfFsxHost } from '../../../../src-shared/model/fsx-windows';
import type { LocationConfig, LocationSecrets } from '../../../../src-shared/model/location-config';
import { efsMountCommand, parseEfsHost } from '../../../../src-shared/model/nfs-mount';

/*
 * The location form as data: what each kind of location (and each preset of one) asks for, the
 * form's values as the user typed them (text), and the config they make (validate-form.ts checks
 * it). Pure, so it is tested directly.
 */

/** What the kind picker offers: the five kinds, and the FSx (SMB) and EFS (NFS) presets. */
export type Preset = 'local' | 'smb' | 'fsx' | 'nfs' | 'efs' | 's3' | 'object-storage';

export interface PresetInfo {
  id: Preset;
  title: string;
  summary: string;
  /** The config kind a preset saves. EFS is reached through an OS mount: a local folder. */
  kind: 'local' | 'smb' | 'nfs' | 's3' | 'object-storage';
}

export const PRESETS: readonly PresetInfo[] = [
  { id: 'local', title: 'Local folder', summary: 'A folder of this computer', kind: 'local' },
  { id: 'smb', title: 'SMB', summary: 'A Windows or NAS share', kind: 'smb' },
  {
    id: 'fsx',
    title: 'Amazon FSx for Windows',
    summary: 'File Server, over SMB',
    kind: 'smb',
  },
  { id: 'nfs', title: 'NFS', summary: 'An NFSv3 export', kind: 'nfs' },
  { id: 'efs', title: 'Amazon EFS', summary: 'Through a system mount', kind: 'local' },
  { id: 's3', title: 'Amazon S3', summary: 'A bucket or a prefix in it', kind: 's3' },
  {
    id: 'object-storage',
    title: 'S3-compatible',
    summary: 'MinIO, Ceph and others',
    kind: 'object-storage',
  },
];

export function presetInfo(preset: Preset): PresetInfo {
  return PRESETS.find((p) => p.id === preset) as PresetInfo;
}

type TextField =
  | 'path'
  | 'server'
  | 'port'
  | 'share'
  | 'domain'
  | 'user'
  | 'version'
  | 'mountPort'
  | 'export'
  | 'uid'
  | 'gid'
  | 'bucket'
  | 'prefix'
  | 'region'
  | 'storageClass'
  | 'credentials'
  | 'profile'
  | 'accessKeyId'
  | 'endpoint'
  | 'protocol'
  | 'caCertificatePem'
  /** S3 kinds: which user-metadata keys are written ('both', 'rclone', 'datasync'). */
  | 'metadataKeys'
  /** EFS and NFS 4.x: where the system mounts the export. */
  | 'mountPoint';

/** Every field the form may show, as typed (numbers too: "445"). */
export type Values = Record<TextField, string> & { pathStyle: boolean };
export type ValueField = keyof Values;
export type SecretField = keyof LocationSecrets;
/** A field that can carry a message: a value, a secret, or the name. */
export type FieldName = ValueField | SecretField | 'name';
export type Secrets = Record<SecretField, string>;
export type FieldErrors = Partial<Record<FieldName, string>>;

const BLANK: Values = {
  path: '',
  server: '',
  port: '',
  share: '',
  domain: '',
  user: '',
  version: '',
  mountPort: '',
  export: '',
  uid: '',
  gid: '',
  bucket: '',
  prefix: '',
  region: '',
  storageClass: 'STANDARD',
  credentials: 'default',
  profile: '',
  accessKeyId: '',
  endpoint: '',
  protocol: 'HTTPS',
  caCertificatePem: '',
  metadataKeys: 'both',
  mountPoint: '',
  pathStyle: false,
};

const PRESET_DEFAULTS: Record<Preset, Partial<Values>> = {
  local: {},
  smb: { port: '445', version: 'AUTOMATIC' },
  fsx: {
    port: String(FSX_WINDOWS_PRESET.defaults.port),
    share: FSX_WINDOWS_PRESET.defaults.share,
    version: FSX_WINDOWS_PRESET.defaults.version,
  },
  nfs: {
    port: '2049',
    mountPort: '0',
    uid: '0',
    gid: '0',
    version: 'NFS3',
    mountPoint: '/mnt/nfs',
  },
  efs: { export: '/', version: 'NFS4_1', mountPoint: '/mnt/efs' },
  s3: {},
  'object-storage': { pathStyle: true },
};

/** Fields that mean the same in both presets, so switching between them keeps what was typed. */
const CARRIED: Partial<Record<string, ValueField[]>> = {
  'smb>fsx': ['server', 'domain', 'user', 'path'],
  'fsx>smb': ['server', 'domain', 'user', 'share', 'path'],
  's3>object-storage': ['bucket', 'prefix', 'accessKeyId'],
  'object-storage>s3': ['bucket', 'prefix', 'accessKeyId'],
  'nfs>efs': ['mountPoint'],
};

export function defaultValues(preset: Preset): Values {
  return { ...BLANK, ...PRESET_DEFAULTS[preset] };
}

/** The values of `to`'s defaults, with what `from` had typed in the fields both share. */
export function switchPreset(from: Preset, to: Preset, values: Values): Values {
  const next = defaultValues(to);
  for (const field of CARRIED[`${from}>${to}`] ?? []) {
    if (values[field] !== '') (next as Record<string, unknown>)[field] = values[field];
  }
  return next;
}

/** Which preset shows a saved config: SMB on an FSx DNS name opens with FSx's hints. */
export function presetOfConfig(config: LocationConfig): Preset {
  switch (config.kind) {
    case 'smb':
      return domainOfFsxHost(config.server) ? 'fsx' : 'smb';
    case 'local':
    case 'nfs':
    case 's3':
    case 'object-storage':
      return config.kind;
    case 'memory':
      return 'local';
  }
}

/** The form's values for a saved config (numbers as text). */
export function valuesOfConfig(config: LocationConfig): Values {
  const values = defaultValues(presetOfConfig(config));
  for (const [key, value] of Object.entries(config)) {
    if (key === 'kind' || !(key in BLANK)) continue;
    (values as Record<string, unknown>)[key] =
      typeof value === 'boolean' ? value : value === undefined ? '' : String(value);
  }
  return values;
}

/** What an FSx server name says the domain is, to fill the domain while it is not typed. */
export { domainOfFsxHost };

/** The EFS mount command for the values, or the reason there is none yet. */
export function efsCommand(values: Values): { command: string } | { error: string } {
  try {
    return {
      command: efsMountCommand({
        fileSystem: values.server,
        region: values.region,
        mountPoint: values.mountPoint,
      }),
    };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** The region of an EFS DNS name, to fill the region while the user types the name. */
export function regionOfEfsHost(host: string): string | null {
  return parseEfsHost(host)?.region ?? null;
}

const WHOLE = /^\d+$/;

/** A typed number: undefined when blank (the schema's default applies), NaN when not a number. */
function numberOf(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  return WHOLE.test(trimmed) ? Number(trimmed) : Number.NaN;
}

/** The request-shaped config of the form (not validated), for the kind the preset saves. */
export function buildConfigInput(preset: Preset, v: Values): Record<string, unknown> {
  const t = (field: TextField): string => v[field].trim();
  switch (presetInfo(preset).kind) {
    case 'local':
      return { kind: 'local', path: preset === 'efs' ? t('mountPoint') : t('path') };
    case 'smb':
      return {
        kind: 'smb',
        server: t('server'),
        port: numberOf(v.port),
        share: t('share'),
        path: t('path'),
        domain: t('domain'),
        user: t('user'),
        version: v.version,
      };
    case 'nfs':
      return {
        kind: 'nfs',
        server: t('server'),
        port: numberOf(v.port),
        mountPort: numberOf(v.mountPort),
        export: t('export'),
        path: t('path'),
        uid: numberOf(v.uid),
        gid: numberOf(v.gid),
        version: v.version,
      };
    case 's3':
      return {
        kind: 's3',
        bucket: t('bucket'),
        prefix: t('prefix'),
        region: t('region'),
        storageClass: v.storageClass,
        credentials: v.credentials,
        profile: v.credentials === 'profile' ? t('profile') : '',
        accessKeyId: v.credentials === 'keys' ? t('accessKeyId') : '',
        endpoint: t('endpoint'),
        pathStyle: v.pathStyle,
        ...metadataKeysOf(v),
      };
    case 'object-storage':
      return {
        kind: 'object-storage',
        server: t('server'),
        port: numberOf(v.port),
        protocol: v.protocol,
        bucket: t('bucket'),
        prefix: t('prefix'),
        accessKeyId: t('accessKeyId'),
        pathStyle: v.pathStyle,
        caCertificatePem: v.protocol === 'HTTPS' ? v.caCertificatePem.trim() : '',
        ...metadataKeysOf(v),
      };
  }
}

/** The metadata-keys choice, left out when it is the default (both) so configs stay as they were. */
function metadataKeysOf(v: Values): { metadataKeys?: string } {
  return v.metadataKeys === '' || v.metadataKeys === 'both' ? {} : { metadataKeys: v.metadataKeys };
}
