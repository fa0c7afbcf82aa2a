import { pipeline, Transform, type Readable } from 'node:stream';
import {
  ListObjectsV2Command,
  type ListMultipartUploadsCommand,
  type ListMultipartUploadsCommandOutput,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { S3AnswerError } from './s3-errors';

/*
 * Answers the SDK reads whole before it parses them (XML listings) are read within limits: the
 * SDK collects a body into memory however large it is and however slowly it trickles in (the
 * socket's inactivity limit never fires for a body that sends a byte a minute). A listing page
 * of 1,000 keys is a few MiB at most; anything far larger, or slower than a generous deadline,
 * is a server gone wrong, and fails with S3AnswerError instead of filling memory or hanging.
 * Then the listing's pages are checked to be listings that move on (PageChain).
 */

export interface AnswerLimits {
  /** Bytes an answer may have (32 MiB: ten times the largest page S3 can send). */
  maxBytes: number;
  /** Milliseconds from the answer's headers to its last byte (5 minutes). */
  deadlineMs: number;
}

const DEFAULT_LIMITS: AnswerLimits = { maxBytes: 32 * 1024 * 1024, deadlineMs: 5 * 60_000 };
const limitsByClient = new WeakMap<S3Client, AnswerLimits>();
/** The first bytes of each answer, for messages about answers that are no listing. */
const heads = new WeakMap<object, string>();
const HEAD_BYTES = 160;

/** Other limits for the answers `client` reads whole (tests; a caller with special needs). */
export function setAnswerLimits(client: S3Client, limits: Partial<AnswerLimits>): void {
  limitsByClient.set(client, { ...DEFAULT_LIMITS, ...limitsByClient.get(client), ...limits });
}

/** The start of the answer `output` was parsed from, as text on one line ('' when unknown). */
export function answerHead(output: object): string {
  return heads.get(output) ?? '';
}

type Next = (args: unknown) => Promise<{ response: unknown }>;
/** The one method of the command's middleware stack used here, without the SDK's generics. */
interface Stack {
  add(
    middleware: (next: Next) => Next,
    options: { step: 'deserialize'; priority: 'low'; name: string },
  ): void;
}

/**
 * Sends a listing request whose answer is read within the client's AnswerLimits. Rejects with
 * what `client.send` rejects with, and S3AnswerError ('unknown': larger than maxBytes;
 * 'timeout': not whole within deadlineMs). Neither is retried by the SDK: a server that sends
 * 200 MiB for a listing would send them again.
 */
export function sendBounded(
  client: S3Client,
  command: ListObjectsV2Command,
  signal: AbortSignal,
): Promise<ListObjectsV2CommandOutput>;
export function sendBounded(
  client: S3Client,
  command: ListMultipartUploadsCommand,
  signal: AbortSignal,
): Promise<ListMultipartUploadsCommandOutput>;
export async function sendBounded(
  client: S3Client,
  command: ListObjectsV2Command | ListMultipartUploadsCommand,
  signal: AbortSignal,
): Promise<object> {
  const limits = limitsByClient.get(client) ?? DEFAULT_LIMITS;
  let head = '';
  // Low priority in the deserialize step: between the HTTP handler and the deserializer, so
  // it sees the raw response of every attempt before the SDK collects its body.
  (command.middlewareStack as unknown as Stack).add(
    (next) => async (args) => {
      const result = await next(args);
      const response = result.response as { body?: unknown };
      if (isNodeStream(response.body)) {
        response.body = bounded(response.body, limits, (text) => (head = text));
      }
      return result;
    },
    { step: 'deserialize', priority: 'low', name: 'dataferryBoundedAnswer' },
  );
  const output: object =
    command instanceof ListObjectsV2Command
      ? await client.send(command, { abortSignal: signal })
      : await client.send(command, { abortSignal: signal });
  heads.set(output, head);
  return output;
}

function isNodeStream(body: unknown): body is Readable {
  return typeof (body as Readable | undefined)?.pipe === 'function';
}

/** `body` passed through, failing past `limits`; `onHead` gets its first bytes as text. */
function bounded(body: Readable, limits: AnswerLimits, onHead: (text: string) => void): Readable {
  let seen = 0;
  let first = Buffer.alloc(0);
  const out = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (first.length < HEAD_BYTES) {
        first = Buffer.concat([first, chunk.subarray(0, HEAD_BYTES - first.length)]);
        onHead(oneLine(first.toString('utf8')));
      }
      seen += chunk.length;
      if (seen > limits.maxBytes) {
        callback(
          new S3AnswerError(
            'unknown',
            `the answer is larger than ${Math.round(limits.maxBytes / 1024 / 1024)} MiB, more than any listing: refused`,
          ),
        );
        return;
      }
      callback(null, chunk);
    },
  });
  const timer = setTimeout(
    () =>
      out.destroy(
        new S3AnswerError(
          'timeout',
          `the answer did not arrive whole within ${limits.deadlineMs / 1000} s (${seen} bytes so far)`,
        ),
      ),
    limits.deadlineMs,
  );
  // A refused answer is not read further (its connection goes with it); the body's own
  // errors, and its end before its last byte, reach the SDK through `out`.
  pipeline(body, out, () => clearTimeout(timer));
  timer.unref();
  return out;
}

function oneLine(text: string): string {
  return text
    .replace(/^<\?xml[^>]*\?>/, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 80);
}

/**
 * Follows a ListObjectsV2 listing from page to page: the token of the next page, or undefined
 * at the end. Throws S3AnswerError for a page that is no ListBucketResult (no IsTruncated: an
 * HTML error page, a proxy's answer), that says more follows but gives no token, that gives a
 * token already followed, or for MAX_PAGES_WITHOUT_PROGRESS pages in a row that bring no key
 * or prefix beyond the highest seen (S3 lists in ascending key order).
 */
export class PageChain {
  private readonly tokens = new Set<string>();
  private highest = '';
  private stalled = 0;

  constructor(private readonly prefix: string) {}

  next(page: ListObjectsV2CommandOutput): string | undefined {
    if (page.IsTruncated === undefined) {
      const head = answerHead(page);
      throw new S3AnswerError(
        'unknown',
        `the answer to the listing of "${this.prefix}" is not a ListBucketResult${head ? ` ("${head}")` : ''}: is this an S3 endpoint?`,
      );
    }
    if (!page.IsTruncated) return undefined;
    const token = page.NextContinuationToken;
    if (!token) {
      throw new S3AnswerError(
        'unknown',
        `the listing of "${this.prefix}" says more follows (IsTruncated) but gives no NextContinuationToken: stopped rather than take part of the listing for all of it`,
      );
    }
    if (this.tokens.has(token)) {
      throw new S3AnswerError(
        'unknown',
        `the listing of "${this.prefix}" gave the continuation token "${token.slice(0, 64)}" a second time: it would go round in circles for ever`,
      );
    }
    this.tokens.add(token);
    const names = [
      ...(page.Contents ?? []).map((o) => o.Key ?? ''),
      ...(page.CommonPrefixes ?? []).map((p) => p.Prefix ?? ''),
    ];
    const highest = names.reduce((a, b) => (b > a ? b : a), '');
    if (highest > this.highest) {
      this.highest = highest;
      this.stalled = 0;
    } else if (++this.stalled >= MAX_PAGES_WITHOUT_PROGRESS) {
      throw new S3AnswerError(
        'unknown',
        `the listing of "${this.prefix}" brought nothing new in ${MAX_PAGES_WITHOUT_PROGRESS} pages in a row: it would go on for ever`,
      );
    }
    return token;
  }
}

/** Pages in a row that bring no key beyond the highest seen before a listing fails. */
const MAX_PAGES_WITHOUT_PROGRESS = 100;

/**
 * The markers of a ListMultipartUploads page to follow, or undefined at the end. Throws
 * S3AnswerError for a page that says more follows without a NextKeyMarker, or gives markers
 * already followed.
 */
export class UploadPageChain {
  private readonly seen = new Set<string>();

  constructor(private readonly prefix: string) {}

  next(page: {
    IsTruncated?: boolean;
    NextKeyMarker?: string;
    NextUploadIdMarker?: string;
  }): { keyMarker: string; uploadIdMarker: string | undefined } | undefined {
    if (!page.IsTruncated) return undefined;
    const keyMarker = page.NextKeyMarker;
    if (!keyMarker) {
      throw new S3AnswerError(
        'unknown',
        `the list of uploads in "${this.prefix}" says more follows (IsTruncated) but gives no NextKeyMarker`,
      );
    }
    const marker = JSON.stringify([keyMarker, page.NextUploadIdMarker]);
    if (this.seen.has(marker)) {
      throw new S3AnswerError(
        'unknown',
        `the list of uploads in "${this.prefix}" gave the markers "${keyMarker}" / "${page.NextUploadIdMarker ?? ''}" a second time: it would go round in circles for ever`,
      );
    }
    this.seen.add(marker);
    return { keyMarker, uploadIdMarker: page.NextUploadIdMarker };
  }
}
