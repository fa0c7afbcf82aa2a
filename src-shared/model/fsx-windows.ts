import { smbConfigSchema } from './location-config';

/*
 * The Amazon FSx for Windows File Server preset: an SMB location with FSx's defaults (SMB
 * 3.1.1 negotiated, port 445, the default share "share"), and what the form says about the
 * fields users get wrong: the server is the file system's DNS name, and the user logs on in
 * the Active Directory domain the file system joined.
 */

export const FSX_WINDOWS_PRESET = {
  label: 'Amazon FSx for Windows File Server',
  defaults: { port: 445, share: 'share', version: 'AUTOMATIC' as const },
  hints: {
    server:
      "The file system's DNS name, e.g. amznfsxabcd1234.corp.example.com (FSx console: Network & security), or a DNS alias you gave it",
    domain:
      'The Active Directory domain the file system joined, e.g. corp.example.com (AWS Managed Microsoft AD or your own)',
    user: 'A user of that domain with access to the share (AWS Managed AD: Admin, or a member of AWS Delegated FSx Administrators)',
    share:
      'FSx creates one share called "share"; others are added with PowerShell on the file system',
  },
} as const;

/** An FSx file system's default DNS name: amznfsx + 8 characters, then its AD domain. */
const FSX_DNS = /^amznfsx[0-9a-z]{8}\.([a-z0-9-]+(\.[a-z0-9-]+)+)$/i;

/** The AD domain in an FSx default DNS name, or null for any other host. */
export function domainOfFsxHost(host: string): string | null {
  return FSX_DNS.exec(host.trim())?.[1]?.toLowerCase() ?? null;
}

/**
 * An SMB location config for an FSx file system: the preset's defaults under what the user
 * gave; the domain, when left empty, taken from a default FSx DNS name. Throws ZodError naming
 * the field that is missing or wrong.
 */
export function fsxWindowsConfig(input: {
  server: string;
  user: string;
  domain?: string;
  share?: string;
  path?: string;
}) {
  const domain = input.domain?.trim() || domainOfFsxHost(input.server) || '';
  return smbConfigSchema.parse({
    kind: 'smb',
    ...FSX_WINDOWS_PRESET.defaults,
    server: input.server.trim(),
    user: input.user,
    domain,
    share: input.share?.trim() || FSX_WINDOWS_PRESET.defaults.share,
    path: input.path ?? '',
  });
}
