import { z } from 'zod';
import type { NetworkMount } from './entry';

/**
 * Where data is read from or written to: a discriminated union on `kind`, with DataSync's fields.
 * Secrets (passwords, secret keys) are never part of a config: they travel once, from the
 * renderer to main, in `LocationSecrets`, are stored encrypted, and are never sent back.
 */

export const LOCATION_KINDS = ['local', 'smb', 'nfs', 's3', 'object-storage', 'memory'] as const;
export type LocationKind = (typeof LOCATION_KINDS)[number];

const relativeOrAbsolutePath = z
  .string()
  .max(4096)
  .refine((p) => !p.includes('\0'), 'no NUL bytes');
const host = z.string().min(1, 'a server is required').max(253);
const port = z.number().int().min(1).max(65535);

export const localConfigSchema = z
  .object({
    kind: z.literal('local'),
    /** An absolute folder path on this workstation (may be an OS-mounted share). */
    path: relativeOrAbsolutePath.min(1, 'a folder is required'),
  })
  .strict();

export const smbConfigSchema = z
  .object({
    kind: z.literal('smb'),
    server: host,
    port: port.default(445),
    share: z.string().min(1, 'a share is required').max(80),
    path: relativeOrAbsolutePath.default(''),
    domain: z.string().max(255).default(''),
    user: z.string().min(1, 'a user is required').max(255),
    version: z.enum(['AUTOMATIC', 'SMB3', 'SMB2', 'SMB2_0']).default('AUTOMATIC'),
  })
  .strict();

export const nfsConfigSchema = z
  .object({
    kind: z.literal('nfs'),
    server: host,
    /** NFS port; 0 asks the portmapper. */
    port: z.number().int().min(0).max(65535).default(2049),
    /** MOUNT port; 0 asks the portmapper. */
    mountPort: z.number().int().min(0).max(65535).default(0),
    export: z.string().min(1, 'an export path is required').max(1024),
    path: relativeOrAbsolutePath.default(''),
    uid: z.number().int().min(0).default(0),
    gid: z.number().int().min(0).default(0),
    version: z.enum(['AUTOMATIC', 'NFS3', 'NFS4_0', 'NFS4_1']).default('NFS3'),
  })
  .strict();

export const S3_STORAGE_CLASSES = [
  'STANDARD',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER_IR',
  'GLACIER',
  'DEEP_ARCHIVE',
] as const;

/**
 * Which user-metadata keys an S3 location writes for a file's times, mode and owner: rclone's
 * (`mtime`, `mode`, `uid`...), DataSync's (`file-mtime`, `file-permissions`, `file-owner`...,
 * also read by S3 File Gateway and FSx for Lustre), or both. Both are always read.
 */
export const S3_METADATA_KEYS = ['both', 'rclone', 'datasync'] as const;

export const s3ConfigSchema = z
  .object({
    kind: z.literal('s3'),
    bucket: z.string().min(3, 'a bucket name is required').max(63),
    prefix: z.string().max(1024).default(''),
    region: z.string().max(64).default(''),
    storageClass: z.enum(S3_STORAGE_CLASSES).default('STANDARD'),
    credentials: z.enum(['default', 'profile', 'keys']).default('default'),
    profile: z.string().max(128).default(''),
    accessKeyId: z.string().max(128).default(''),
    /** Only for tests and S3-compatible endpoints reached as "s3://...?endpoint=". */
    endpoint: z.string().max(2048).default(''),
    pathStyle: z.boolean().default(false),
    /** Absent: both. */
    metadataKeys: z.enum(S3_METADATA_KEYS).optional(),
  })
  .strict();

export const objectStorageConfigSchema = z
  .object({
    kind: z.literal('object-storage'),
    server: host,
    port: port.optional(),
    protocol: z.enum(['HTTPS', 'HTTP']).default('HTTPS'),
    bucket: z.string().min(1, 'a bucket name is required').max(255),
    prefix: z.string().max(1024).default(''),
    accessKeyId: z.string().max(256).default(''),
    pathStyle: z.boolean().default(true),
    caCertificatePem: z
      .string()
      .max(256 * 1024)
      .default(''),
    /** Absent: both. */
    metadataKeys: z.enum(S3_METADATA_KEYS).optional(),
  })
  .strict();

/** A process-local, in-memory location: for engine tests, never saved. */
export const memoryConfigSchema = z
  .object({
    kind: z.literal('memory'),
    name: z.string().min(1).max(100),
  })
  .strict();

export const locationConfigSchema = z.discriminatedUnion('kind', [
  localConfigSchema,
  smbConfigSchema,
  nfsConfigSchema,
  s3ConfigSchema,
  objectStorageConfigSchema,
  memoryConfigSchema,
]);

export type LocationConfig = z.output<typeof locationConfigSchema>;
export type LocationConfigInput = z.input<typeof locationConfigSchema>;
export type LocalConfig = z.output<typeof localConfigSchema>;
export type S3Config = z.output<typeof s3ConfigSchema>;
export type ObjectStorageConfig = z.output<typeof objectStorageConfigSchema>;

/** Write-only secrets of a location. */
export const locationSecretsSchema = z
  .object({
    password: z.string().max(1024).optional(),
    secretAccessKey: z.string().max(1024).optional(),
  })
  .strict();
export type LocationSecrets = z.infer<typeof locationSecretsSchema>;

/** A saved location as the UI sees it: the config, and which secrets are set (never their values). */
export interface SavedLocation {
  id: string;
  name: string;
  config: LocationConfig;
  secretsSet: (keyof LocationSecrets)[];
  createdAt: number;
  updatedAt: number;
  /** For a local folder that is really an OS-mounted NFS export or SMB share: which one. */
  networkMount?: NetworkMount | null;
}
