import {
  DeleteObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type HeadObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { AppError } from '../../../src-shared/errors';
import { cancelledError, isAbortError } from '../abort';
import type { S3Connection } from './s3-client';
import { mapS3Error } from './s3-errors';
import type { S3KeyMap } from './s3-keys';
import { anyKeyUnder } from './s3-listing';

const FOLDER_CONTENT_TYPE = 'application/x-directory';

/**
 * The requests an S3 location makes on its bucket, with every SDK error mapped to an AppError
 * that names the object (mapS3Error), and the messages' names for paths.
 */
export class S3Bucket {
  readonly bucketName: string;

  constructor(
    private readonly connection: S3Connection,
    private readonly keys: S3KeyMap,
    private readonly description: string,
  ) {
    this.bucketName = connection.bucket;
  }

  /** "S3 s3://bucket/prefix/path" for messages. */
  where(path: string): string {
    return path === '' ? this.description : `${this.description}/${path}`;
  }

  notFound(path: string): AppError {
    return new AppError('not-found', `Not found: ${this.where(path)}`, { path });
  }

  fail(error: unknown, signal: AbortSignal, operation: string, path?: string): AppError {
    if (error instanceof AppError) return error;
    if (signal.aborted || isAbortError(error)) return cancelledError(this.where(path ?? ''));
    return mapS3Error(error, {
      operation,
      bucket: this.bucketName,
      key: path === undefined ? undefined : this.keys.objectKey(path),
      endpointLabel: this.connection.endpointLabel,
    });
  }

  /** Runs SDK calls, mapping what they throw. */
  async call<T>(
    signal: AbortSignal,
    operation: string,
    path: string,
    body: () => Promise<T>,
  ): Promise<T> {
    try {
      return await body();
    } catch (error) {
      throw this.fail(error, signal, operation, path);
    }
  }

  /** HEAD an object; null when it does not exist. Throws mapped errors. */
  async head(
    key: string,
    signal: AbortSignal,
    checksums = false,
  ): Promise<HeadObjectCommandOutput | null> {
    try {
      return await this.connection.client.send(
        new HeadObjectCommand({
          Bucket: this.bucketName,
          Key: key,
          ChecksumMode: checksums ? 'ENABLED' : undefined,
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata
        ?.httpStatusCode;
      if (status === 404 && !signal.aborted) return null;
      throw this.fail(error, signal, 'stat', key.slice(this.keys.rootPrefix.length));
    }
  }

  async objectExists(key: string, signal: AbortSignal): Promise<boolean> {
    return (await this.head(key, signal)) !== null;
  }

  /** A folder exists when its marker or any key under it does. Throws SDK errors. */
  async folderExists(path: string, signal: AbortSignal): Promise<boolean> {
    if (path === '' && this.keys.rootPrefix === '') return true;
    return anyKeyUnder(
      this.connection.client,
      this.bucketName,
      this.keys.folderPrefix(path),
      signal,
    );
  }

  async putMarker(
    path: string,
    metadata: Record<string, string>,
    signal: AbortSignal,
  ): Promise<void> {
    const key = this.keys.markerKey(path);
    if (key === null) return;
    await this.connection.client.send(
      new PutObjectCommand({
        Bucket: this.bucketName,
        Key: key,
        Body: new Uint8Array(0),
        ContentLength: 0,
        ContentType: FOLDER_CONTENT_TYPE,
        Metadata: metadata,
      }),
      { abortSignal: signal },
    );
  }

  async deleteKey(key: string, path: string, signal: AbortSignal): Promise<void> {
    await this.call(signal, 'remove', path, () =>
      this.connection.client.send(new DeleteObjectCommand({ Bucket: this.bucketName, Key: key }), {
        abortSignal: signal,
      }),
    );
  }
}
