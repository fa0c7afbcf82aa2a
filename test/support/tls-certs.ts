import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/*
 * Throwaway certificates for TLS tests, made with the openssl command line: a private CA, and
 * server certificates it signs for the names a test asks for. Nothing is installed anywhere; the
 * files live in the folder the caller gives (and removes).
 */

/** Why TLS tests cannot run here, or '' when the openssl command works. */
export function opensslMissing(): string {
  const probe = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  return probe.error || probe.status !== 0 ? 'the openssl command is not installed' : '';
}

export interface CertificateAuthority {
  /** The CA certificate, PEM: what a user pastes into "CA certificate (PEM)". */
  certPem: string;
  keyFile: string;
  certFile: string;
}

export interface ServerCertificate {
  keyPem: string;
  certPem: string;
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`openssl ${args[0]} failed: ${stderr}`, { cause: error });
  }
}

/** A new CA (EC P-256, valid 2 days) in `dir`, under `name`. Throws when openssl fails. */
export function makeCertificateAuthority(dir: string, name: string): CertificateAuthority {
  const keyFile = path.join(dir, `${name}.key`);
  const certFile = path.join(dir, `${name}.pem`);
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      `/CN=DataFerry test CA ${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  return { certPem: readFileSync(certFile, 'utf8'), keyFile, certFile };
}

/**
 * A server certificate signed by `ca`, valid for `altNames` (e.g. ["IP:127.0.0.1"] or
 * ["DNS:wrong.example"]), with its key. Throws when openssl fails.
 */
export function makeServerCertificate(
  dir: string,
  ca: CertificateAuthority,
  name: string,
  altNames: string[],
): ServerCertificate {
  const keyFile = path.join(dir, `${name}.key`);
  const csrFile = path.join(dir, `${name}.csr`);
  const certFile = path.join(dir, `${name}.pem`);
  const extFile = path.join(dir, `${name}.ext`);
  writeFileSync(
    extFile,
    `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n` +
      `extendedKeyUsage=serverAuth\nsubjectAltName=${altNames.join(',')}\n`,
  );
  openssl(
    [
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      csrFile,
      '-subj',
      `/CN=${name}`,
    ],
    dir,
  );
  openssl(
    [
      'x509',
      '-req',
      '-in',
      csrFile,
      '-CA',
      ca.certFile,
      '-CAkey',
      ca.keyFile,
      '-CAcreateserial',
      '-out',
      certFile,
      '-days',
      '2',
      '-extfile',
      extFile,
    ],
    dir,
  );
  return { keyPem: readFileSync(keyFile, 'utf8'), certPem: readFileSync(certFile, 'utf8') };
}
