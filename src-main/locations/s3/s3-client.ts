import { X509Certificate } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { isIPv6 } from 'node:net';
import tls from 'node:tls';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { AppError } from '../../../src-shared/errors';
import { withHandlerCache } from './s3-handler-cache';
import type {
  LocationSecrets,
  ObjectStorageConfig,
  S3Config,
} from '../../../src-shared/model/location-config';

/*
 * One S3Client per location, for Amazon S3 (kind 's3') and S3-compatible servers (kind
 * 'object-storage'). Everything a config can get wrong (endpoint, server, region, missing keys,
 * an unreadable CA certificate) is refused here, before any request, so that a run fails with a
 * message that names the field instead of an SDK error on first use.
 */

export interface S3Connection {
  client: S3Client;
  bucket: string;
  /** For messages: "http://127.0.0.1:9000" or "Amazon S3 (us-east-1)"; never a secret. */
  endpointLabel: string;
  /** Whether this is AWS's own S3 (no custom endpoint). */
  isAws: boolean;
}

export interface S3ClientOptions {
  /** Connections per protocol the client keeps at most (default 64). */
  maxSockets?: number;
  /** ms to establish a connection (default 10 s). */
  connectTimeoutMs?: number;
  /** ms of socket inactivity before a request fails (default 120 s). */
  requestTimeoutMs?: number;
}

/** What createS3Connection builds a client from; tests swap the request handler. */
export interface ResolvedS3Client {
  clientConfig: S3ClientConfig;
  bucket: string;
  endpointLabel: string;
  isAws: boolean;
}

const DEFAULT_MAX_SOCKETS = 64;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;
/** The SDK's standard strategy backs off on throttling (SlowDown, 503) and transient errors. */
const MAX_ATTEMPTS = 5;
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
const CA_FIELD = '"CA certificate (PEM)"';

/**
 * An S3Client for a location, with its bucket and a label for messages. No request is sent.
 * Throws AppError('invalid-config') naming the field for: a malformed endpoint URL or server,
 * a malformed region, 'keys' credentials without an access key ID or secret access key,
 * 'profile' credentials without a profile name, object-storage with only one half of a key
 * pair, or a CA certificate field that holds no readable certificate.
 * Credentials from the default chain or a profile are only looked up when a request is made.
 */
export function createS3Connection(
  config: S3Config | ObjectStorageConfig,
  secrets: LocationSecrets,
  options: S3ClientOptions = {},
): S3Connection {
  const resolved = resolveS3Client(config, secrets, options);
  return {
    // One middleware chain per command class, not one per request (s3-handler-cache.ts).
    client: withHandlerCache(new S3Client(resolved.clientConfig)),
    bucket: resolved.bucket,
    endpointLabel: resolved.endpointLabel,
    isAws: resolved.isAws,
  };
}

/**
 * The S3Client configuration createS3Connection uses, exported so tests can run the same
 * configuration (retries, checksums, signing) over a fake request handler.
 * Throws AppError('invalid-config') as createS3Connection does.
 */
export function resolveS3Client(
  config: S3Config | ObjectStorageConfig,
  secrets: LocationSecrets,
  options: S3ClientOptions = {},
): ResolvedS3Client {
  const target =
    config.kind === 's3' ? s3Target(config, secrets) : objectStorageTarget(config, secrets);
  const caCertificatePem = config.kind === 'object-storage' ? config.caCertificatePem : '';
  const clientConfig: S3ClientConfig = {
    region: target.region,
    forcePathStyle: config.pathStyle,
    ...(target.endpoint === undefined ? {} : { endpoint: target.endpoint }),
    credentials: target.credentials,
    // No keys: a signer that leaves the request as it is, so the server sees public access.
    ...(target.anonymous ? { signer: { sign: async (request) => request } } : {}),
    // The region defaults to us-east-1 when left empty: let AWS tell us where the bucket is.
    followRegionRedirects: target.endpoint === undefined,
    // Our code sets checksums where it wants them; left to the SDK, PUTs are sent aws-chunked
    // with trailing checksums, which some S3-compatible servers store framing and all.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // S3 Express session auth costs about a fifth of the SDK's CPU per request (measured: 620
    // -> 480 µs per HEAD) and serves only directory buckets, whose names end in --x-s3.
    disableS3ExpressSessionAuth: !config.bucket.endsWith('--x-s3'),
    // Explicit, so that AWS_RETRY_MODE or a profile's retry_mode cannot change it.
    retryMode: 'standard',
    maxAttempts: MAX_ATTEMPTS,
    requestHandler: requestHandler(caCertificatePem, options),
  };
  return {
    clientConfig,
    bucket: config.bucket,
    endpointLabel: target.endpointLabel,
    isAws: target.endpoint === undefined,
  };
}

interface Target {
  region: string;
  /** Undefined: Amazon S3 itself. */
  endpoint: string | undefined;
  endpointLabel: string;
  credentials: NonNullable<S3ClientConfig['credentials']>;
  /** Send requests unsigned (no keys at all). */
  anonymous: boolean;
}

function s3Target(config: S3Config, secrets: LocationSecrets): Target {
  const region = config.region.trim() || 'us-east-1';
  // The SDK only refuses a bad region when the first request is built.
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(region)) {
    throw new AppError('invalid-config', `"${region}" is not a valid AWS region name`, {
      field: 'region',
    });
  }
  const endpointUrl = config.endpoint.trim() === '' ? undefined : parseEndpoint(config.endpoint);
  return {
    region,
    endpoint: endpointUrl?.endpoint,
    endpointLabel: endpointUrl?.label ?? `Amazon S3 (${region})`,
    credentials: s3Credentials(config, secrets),
    anonymous: false,
  };
}

function s3Credentials(config: S3Config, secrets: LocationSecrets): Target['credentials'] {
  switch (config.credentials) {
    case 'default':
      // Environment, shared config and credentials files (SSO included), container and
      // instance roles: what the aws CLI would use.
      return fromNodeProviderChain();
    case 'profile':
      if (config.profile.trim() === '') {
        throw new AppError('invalid-config', 'Credentials from a profile need a profile name', {
          field: 'profile',
        });
      }
      // The chain, not fromIni: it resolves SSO, process and role-assuming profiles too.
      return fromNodeProviderChain({ profile: config.profile.trim() });
    case 'keys':
      return staticKeys(config.accessKeyId, secrets.secretAccessKey, false);
  }
}

function objectStorageTarget(config: ObjectStorageConfig, secrets: LocationSecrets): Target {
  const endpoint = objectStorageEndpoint(config);
  const accessKeyId = config.accessKeyId.trim();
  const secret = secrets.secretAccessKey ?? '';
  const anonymous = accessKeyId === '' && secret === '';
  return {
    region: 'us-east-1',
    endpoint,
    endpointLabel: endpoint,
    // Anonymous requests still need an identity for the SDK's auth step, which otherwise
    // searches the default chain (and the instance metadata service); the signer ignores it.
    credentials: anonymous
      ? { accessKeyId: '', secretAccessKey: '' }
      : staticKeys(accessKeyId, secret, true),
    anonymous,
  };
}

/**
 * `${protocol}://${server}[:port]` for an object-storage config.
 * Throws invalid-config when the server is not a bare host name or IP address.
 */
function objectStorageEndpoint(config: ObjectStorageConfig): string {
  const server = config.server.trim();
  const protocol = config.protocol.toLowerCase();
  if (server.includes('://')) {
    throw new AppError(
      'invalid-config',
      `The server "${server}" must be a host name or IP address only, without "${server.split('://')[0]}://": the protocol is its own field`,
      { field: 'server' },
    );
  }
  const ipv6 = isIPv6(server.replace(/^\[|\]$/g, ''));
  if (!ipv6 && server.includes(':')) {
    throw new AppError(
      'invalid-config',
      `The server "${server}" must not include a port: the port is its own field`,
      { field: 'server' },
    );
  }
  const host = ipv6 && !server.startsWith('[') ? `[${server}]` : server;
  const endpoint = `${protocol}://${host}${config.port ? `:${config.port}` : ''}`;
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  // A parse that moved characters out of the host (a path, a query, user info) means the
  // server field held more than a host.
  if (!url || url.hostname === '' || url.pathname !== '/' || url.search || url.username) {
    throw new AppError(
      'invalid-config',
      `The server "${server}" is not a valid host name or IP address`,
      { field: 'server' },
    );
  }
  return endpoint;
}

/** A custom S3 endpoint, checked: http(s), a host, no user info, query or fragment. */
function parseEndpoint(raw: string): { endpoint: string; label: string } {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new AppError(
      'invalid-config',
      `The endpoint "${redactUserInfo(raw)}" is not a valid URL (expected e.g. https://s3.example.com:9000)`,
      { field: 'endpoint' },
    );
  }
  const shown = redactUserInfo(raw);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AppError(
      'invalid-config',
      `The endpoint "${shown}" must start with http:// or https://`,
      { field: 'endpoint' },
    );
  }
  if (url.hostname === '') {
    throw new AppError('invalid-config', `The endpoint "${shown}" has no host name`, {
      field: 'endpoint',
    });
  }
  if (url.username || url.password) {
    throw new AppError(
      'invalid-config',
      `The endpoint "${shown}" must not contain a user name or password: use the credentials fields`,
      { field: 'endpoint' },
    );
  }
  if (url.search || url.hash) {
    throw new AppError(
      'invalid-config',
      `The endpoint "${shown}" must not contain a query or fragment`,
      { field: 'endpoint' },
    );
  }
  const path = url.pathname.replace(/\/+$/, '');
  const endpoint = `${url.origin}${path}`;
  return { endpoint, label: endpoint };
}

/** The text of an endpoint fit for a message: a password typed into the URL is not repeated. */
function redactUserInfo(raw: string): string {
  return raw.trim().replace(/\/\/[^/@]*@/, '//***@');
}

function staticKeys(
  accessKeyId: string,
  secretAccessKey: string | undefined,
  objectStorage: boolean,
): Target['credentials'] {
  const id = accessKeyId.trim();
  const secret = secretAccessKey ?? '';
  const missing = [id === '' ? 'an access key ID' : '', secret === '' ? 'a secret access key' : '']
    .filter(Boolean)
    .join(' and ');
  if (missing) {
    const verb = id === '' && secret === '' ? 'are' : 'is';
    const why = objectStorage
      ? 'Access keys need both halves (leave both empty for anonymous access)'
      : 'Credentials from access keys need both halves';
    throw new AppError('invalid-config', `${why}: ${missing} ${verb} missing`, {
      field: id === '' ? 'accessKeyId' : 'secretAccessKey',
    });
  }
  return { accessKeyId: id, secretAccessKey: secret };
}

function requestHandler(caCertificatePem: string, options: S3ClientOptions): NodeHttpHandler {
  const maxSockets = options.maxSockets ?? DEFAULT_MAX_SOCKETS;
  const ca = caCertificatePem.trim() === '' ? undefined : trustedCertificates(caCertificatePem);
  return new NodeHttpHandler({
    httpAgent: new http.Agent({ keepAlive: true, maxSockets }),
    httpsAgent: new https.Agent({ keepAlive: true, maxSockets, ...(ca ? { ca } : {}) }),
    connectionTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    // The handler's `requestTimeout` limits a whole request (and only warns unless told to
    // throw): a large part on a slow link would trip it. `socketTimeout` is the inactivity limit.
    socketTimeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
  });
}

/**
 * The pasted chain, one certificate per entry, plus the CAs Node trusts by default: `ca`
 * replaces the default store, and a server behind a public CA must keep working.
 */
function trustedCertificates(pem: string): string[] {
  const certificates = pem.match(PEM_CERTIFICATE) ?? [];
  if (certificates.length === 0) {
    throw new AppError(
      'invalid-config',
      `The ${CA_FIELD} field holds no certificate: paste the PEM text from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----`,
      { field: 'caCertificatePem' },
    );
  }
  certificates.forEach((certificate, index) => {
    try {
      new X509Certificate(certificate);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new AppError(
        'invalid-config',
        `Certificate ${index + 1} in the ${CA_FIELD} field cannot be read: ${reason}`,
        { field: 'caCertificatePem' },
      );
    }
  });
  return [...certificates, ...defaultCertificates()];
}

/** Node's default store (bundled, NODE_EXTRA_CA_CERTS, system with --use-system-ca) if known. */
function defaultCertificates(): readonly string[] {
  // getCACertificates arrived in Node 22.15 / 23.10; older runtimes have only the bundled list.
  return typeof tls.getCACertificates === 'function'
    ? tls.getCACertificates('default')
    : tls.rootCertificates;
}
