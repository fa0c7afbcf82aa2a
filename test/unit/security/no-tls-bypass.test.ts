import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  locationConfigSchema,
  objectStorageConfigSchema,
  s3ConfigSchema,
  smbConfigSchema,
  nfsConfigSchema,
} from '../../../src-shared/model/location-config';

/*
 * No "ignore TLS errors" switch hidden anywhere: the app's code never turns certificate checks
 * off (Node's options and environment variable, Electron's certificate hooks, Chromium's switch),
 * and no location setting could ask for it. An untrusted S3-compatible server is reached only by
 * pasting its CA certificate (test/integration/s3-tls.test.ts shows both ways on the wire).
 */

const repo = path.resolve(__dirname, '..', '..', '..');
const SOURCE_ROOTS = ['src-main', 'src-preload', 'src-shared', 'src-renderer'];

/** Every way we know to switch certificate checking off, with why each is one. */
const BYPASSES: [RegExp, string][] = [
  [/rejectUnauthorized\s*:\s*(false|0|!1|null)/, 'Node TLS option that accepts any certificate'],
  [/NODE_TLS_REJECT_UNAUTHORIZED/, 'environment variable that turns off TLS checks process-wide'],
  // Any replacement of the host name check, `checkServerIdentity: () =>` above all.
  [/checkServerIdentity\s*[:=(]/, 'host name check replaced'],
  [/['"]certificate-error['"]/, "Electron's hook to accept a certificate Chromium refused"],
  [/setCertificateVerifyProc/, "Electron's hook to replace certificate verification"],
  [/ignore-certificate-errors/, 'Chromium switch that accepts any certificate'],
  [/allow-insecure-localhost/, 'Chromium switch that accepts bad localhost certificates'],
  [/insecureHTTPParser/, 'Node option that accepts malformed HTTP'],
  [/strictSSL\s*:\s*false/, 'request-style option that accepts any certificate'],
];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (/\.(ts|tsx|js|mjs|cjs|json|html)$/.test(entry.name)) out.push(full);
  }
  return out;
}

describe('no TLS bypass anywhere', () => {
  const files = SOURCE_ROOTS.flatMap((root) => sourceFiles(path.join(repo, root)));
  const extra = ['electron-builder.yml', 'package.json', 'electron.vite.config.ts'].map((f) =>
    path.join(repo, f),
  );

  it('reads every source file (the scan is not looking at nothing)', () => {
    const relative = files.map((f) => path.relative(repo, f));
    expect(relative).toContain(path.join('src-main', 'locations', 's3', 's3-client.ts'));
    expect(relative).toContain(path.join('src-main', 'main.ts'));
    expect(relative).toContain(path.join('src-preload', 'preload.ts'));
    expect(files.length).toBeGreaterThan(100);
  });

  it('finds the patterns it looks for (controls)', () => {
    const samples = [
      'new https.Agent({ rejectUnauthorized: false })',
      "process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'",
      'tls.connect({ checkServerIdentity: () => undefined })',
      "app.on('certificate-error', (e, wc, url, err, cert, cb) => cb(true))",
      'session.setCertificateVerifyProc((req, cb) => cb(0))',
      "app.commandLine.appendSwitch('ignore-certificate-errors')",
    ];
    for (const sample of samples) {
      expect(
        BYPASSES.some(([pattern]) => pattern.test(sample)),
        sample,
      ).toBe(true);
    }
  });

  it('finds none in src-main, src-preload, src-shared, src-renderer or the build config', () => {
    const found: string[] = [];
    for (const file of [...files, ...extra]) {
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, index) => {
        for (const [pattern, why] of BYPASSES) {
          if (pattern.test(line)) {
            found.push(`${path.relative(repo, file)}:${index + 1}: ${why}: ${line.trim()}`);
          }
        }
      });
    }
    expect(found).toEqual([]);
  });

  it('offers no location setting that could turn certificate checks off', () => {
    const fields = [
      s3ConfigSchema,
      objectStorageConfigSchema,
      smbConfigSchema,
      nfsConfigSchema,
    ].flatMap((schema) => Object.keys(schema.shape));
    expect(
      fields.filter((f) => /insecure|verify|ignore|skip|tls|ssl|unsafe|trust/i.test(f)),
    ).toEqual([]);
    // The only TLS setting is the CA certificate to trust in addition to the default ones.
    expect(fields.filter((f) => /cert|ca[A-Z]/.test(f))).toEqual(['caCertificatePem']);
    // And an unknown key asking for it is refused, not ignored.
    const asked = locationConfigSchema.safeParse({
      kind: 'object-storage',
      server: 'minio.lan',
      bucket: 'b',
      rejectUnauthorized: false,
    });
    expect(asked.success).toBe(false);
  });
});
