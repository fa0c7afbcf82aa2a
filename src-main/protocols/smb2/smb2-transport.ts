import net from 'node:net';
import {
  Command,
  Flags,
  HEADER_SIZE,
  readHeader,
  Smb2FormatError,
  writeHeader,
  type Smb2Header,
} from './smb2-header';
import { Status } from './smb2-status';

/*
 * One TCP connection to an SMB2 server (MS-SMB2 2.1, 3.2.4.1): Direct TCP framing (a zero byte
 * and a 24-bit length before each message), message ids, the credits the server grants, many
 * requests in flight routed back by message id, interim STATUS_PENDING answers (not an answer:
 * the final one follows, maybe much later), CANCEL, and a time limit per request. Signing and
 * encryption are applied by the session through the `security` hooks, so this file knows
 * nothing of keys.
 */

/** Direct TCP: the largest message we accept (an 8 MiB READ and its header, with room). */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024 + 4096;
/**
 * Credits asked for with each request on top of what it costs: the pool grows until the
 * server's limit (Samba: 8192), enough for several 8 MiB READs or WRITEs (128 each) in flight.
 */
const CREDITS_WANTED = 256;

/** The server could not be reached, went away, or did not answer in time. */
export class Smb2ConnectionError extends Error {
  constructor(
    readonly reason: 'unreachable' | 'closed' | 'timeout' | 'cancelled',
    message: string,
  ) {
    super(message);
    this.name = 'Smb2ConnectionError';
  }
}

/** What a session does to the messages of its requests and responses. */
export interface MessageSecurity {
  /**
   * Signs or encrypts an outgoing message (header + body, then `rest`: bytes that follow it, a
   * WRITE's data); returns what goes on the wire, in pieces sent one after the other.
   */
  protect(message: Buffer, rest?: readonly Buffer[]): Buffer[];
  /**
   * Protects a compound chain: each message signed on its own (over its `rest` and padding),
   * or the whole chain encrypted in one TRANSFORM_HEADER; returns what goes on the wire.
   */
  protectChain(chain: readonly ChainMessage[]): Buffer[];
  /**
   * Checks an incoming message (`encrypted`: it arrived in a TRANSFORM_HEADER and decrypted,
   * which authenticates it); throws when it should be signed and its signature is wrong.
   */
  check(message: Buffer, header: Smb2Header, encrypted: boolean): void;
  /** Decrypts a TRANSFORM_HEADER message, or returns null when `frame` is not one. */
  unwrap(frame: Buffer): Buffer | null;
}

/** One message of a compound chain: header + body, then the bytes that follow it (padding too). */
export interface ChainMessage {
  message: Buffer;
  rest: readonly Buffer[];
}

/** One request of a compound chain (`compound`). */
export interface CompoundElement {
  command: number;
  body: Buffer;
  /** Credits it costs: one per 64 KiB of payload (MS-SMB2 3.2.4.1.5). */
  creditCharge?: number;
  /** Bytes that follow the body (a WRITE's data), sent as they are. */
  payload?: readonly Buffer[];
}

/** The FileId of a related compound request: "the one the request before opened" (3.2.4.1.4). */
export const RELATED_FILE_ID = Buffer.alloc(16, 0xff);

export interface Smb2Response {
  header: Smb2Header;
  /** The response body (after the header), any status. */
  body: Buffer;
  /** The whole message, for the preauth integrity hash. */
  message: Buffer;
}

export interface RequestOptions {
  sessionId?: bigint;
  treeId?: number;
  /** Credits this request costs: one per 64 KiB of payload (MS-SMB2 3.2.4.1.5). */
  creditCharge?: number;
  signal?: AbortSignal;
  /** Milliseconds before the request fails with 'timeout' (an interim PENDING restarts it). */
  timeoutMs?: number;
  /** Sees the request as built, before signing or encryption (the preauth integrity hash). */
  onMessage?(message: Buffer): void;
  /**
   * Bytes that follow the body (a WRITE's data), in pieces: sent as they are, never joined
   * (signing and GCM read them where they lie). Not seen by onMessage.
   */
  payload?: readonly Buffer[];
}

interface Pending {
  resolve(response: Smb2Response): void;
  reject(error: Error): void;
  command: number;
  asyncId: bigint | null;
  timer: NodeJS.Timeout;
  restartTimer(): void;
}

export class Smb2Transport {
  private nextMessageId = 0n;
  /** Credits granted and not yet spent. */
  private credits = 1;
  private readonly waitingForCredits: (() => void)[] = [];
  private readonly pending = new Map<bigint, Pending>();
  private closed = false;
  /** The length the frame being received announced; -1 between frames. */
  private frameLength = -1;
  /** The pieces of that frame received so far (views into the socket's own chunks). */
  private framePieces: Buffer[] = [];
  private frameFill = 0;
  private readonly head = Buffer.alloc(4);
  private headFill = 0;
  /** Sessions' security, by session id; the null session's messages pass as they are. */
  readonly security = new Map<bigint, MessageSecurity>();

  private constructor(
    private readonly socket: net.Socket,
    readonly where: string,
    private readonly defaultTimeoutMs: number,
  ) {
    socket.on('data', (data) => this.receive(data));
    socket.on('close', () =>
      this.fail(new Smb2ConnectionError('closed', `${where} closed the connection`)),
    );
    socket.on('error', () => undefined); // 'close' follows with the failure
  }

  /** Connects. Throws Smb2ConnectionError('unreachable') naming the address and the cause. */
  static connect(host: string, port: number, timeoutMs = 30_000): Promise<Smb2Transport> {
    const where = `${host}:${port}`;
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      socket.setNoDelay(true);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(
          new Smb2ConnectionError(
            'unreachable',
            `Cannot reach ${where}: no answer within ${timeoutMs / 1000} s`,
          ),
        );
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new Smb2Transport(socket, where, timeoutMs));
      });
      socket.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(
          new Smb2ConnectionError(
            'unreachable',
            `Cannot reach ${where}: ${error.code ?? error.message}`,
          ),
        );
      });
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Sends one request (`body` after a header this builds) and resolves with the final
   * response, whatever its status (the caller decides what fails). Waits for credits first.
   * Rejects with Smb2ConnectionError (closed, timeout, cancelled: a CANCEL is sent to the
   * server too) or with what `security.check` throws for a response that fails its check.
   */
  async request(
    command: number,
    body: Buffer,
    options: RequestOptions = {},
  ): Promise<Smb2Response> {
    const [response] = await this.compound(
      [{ command, body, creditCharge: options.creditCharge, payload: options.payload }],
      options,
    );
    return response as Smb2Response;
  }

  /**
   * Sends `elements` as one compound chain in one frame (MS-SMB2 3.2.4.1.4): each message after
   * the first carries SMB2_FLAGS_RELATED_OPERATIONS (it works on the FileId the one before
   * opened: give it RELATED_FILE_ID), each is padded to 8 bytes and points at the next with
   * NextCommand, each is signed on its own, and under encryption the whole chain goes in one
   * TRANSFORM_HEADER. Resolves with the final response of every element, in order, whatever
   * their statuses (a server fails the elements after a failed one itself, with its status or
   * STATUS_INVALID_PARAMETER: the caller reports the first). Rejects as `request` does; one
   * element's timeout or check failure rejects the whole chain.
   */
  async compound(
    elements: readonly CompoundElement[],
    options: RequestOptions = {},
  ): Promise<Smb2Response[]> {
    const charges = elements.map((e) => Math.max(1, e.creditCharge ?? 1));
    const total = charges.reduce((sum, charge) => sum + charge, 0);
    await this.takeCredits(total, options.signal);
    if (this.closed) throw new Smb2ConnectionError('closed', `${this.where} is closed`);
    const sessionId = options.sessionId ?? 0n;
    const chain: ChainMessage[] = [];
    const ids: bigint[] = [];
    elements.forEach((element, i) => {
      const charge = charges[i] as number;
      const messageId = this.nextMessageId;
      // NEGOTIATE is sent before any credit is granted and costs none (MS-SMB2 3.2.4.1.5).
      this.nextMessageId += BigInt(charge);
      ids.push(messageId);
      const header = writeHeader({
        command: element.command,
        messageId,
        creditCharge: element.command === Command.NEGOTIATE ? 0 : charge,
        credits: charge + CREDITS_WANTED,
        flags: i > 0 ? Flags.RELATED_OPERATIONS : 0,
        treeId: options.treeId ?? 0,
        sessionId,
      });
      const message = Buffer.concat([header, element.body]);
      const rest = element.payload ? [...element.payload] : [];
      if (i < elements.length - 1) {
        const length = rest.reduce((sum, piece) => sum + piece.length, message.length);
        const padding = (8 - (length % 8)) % 8;
        if (padding > 0) rest.push(Buffer.alloc(padding));
        message.writeUInt32LE(length + padding, 20); // NextCommand
      }
      chain.push({ message, rest });
    });
    if (chain.length === 1) options.onMessage?.((chain[0] as ChainMessage).message);
    const security = this.security.get(sessionId);
    const wire = security
      ? chain.length === 1
        ? security.protect((chain[0] as ChainMessage).message, (chain[0] as ChainMessage).rest)
        : security.protectChain(chain)
      : chain.flatMap((m) => [m.message, ...m.rest]);
    const answers = ids.map((messageId, i) =>
      this.awaitResponse(messageId, elements[i]?.command as number, sessionId, options),
    );
    this.write(wire);
    return Promise.all(answers);
  }

  /** The final response to `messageId`, sent just after this; its timer and abort. */
  private awaitResponse(
    messageId: bigint,
    command: number,
    sessionId: bigint,
    options: RequestOptions,
  ): Promise<Smb2Response> {
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    return new Promise<Smb2Response>((resolve, reject) => {
      const signal = options.signal;
      const done = (): void => {
        const entry = this.pending.get(messageId);
        if (entry) clearTimeout(entry.timer);
        this.pending.delete(messageId);
        signal?.removeEventListener('abort', onAbort);
      };
      const onTimeout = (): void => {
        done();
        reject(
          new Smb2ConnectionError(
            'timeout',
            `No answer from ${this.where} within ${timeoutMs / 1000} s`,
          ),
        );
      };
      const entry: Pending = {
        command,
        asyncId: null,
        timer: setTimeout(onTimeout, timeoutMs),
        restartTimer() {
          clearTimeout(this.timer);
          this.timer = setTimeout(onTimeout, timeoutMs);
        },
        resolve: (response) => (done(), resolve(response)),
        reject: (error) => (done(), reject(error)),
      };
      const onAbort = (): void => {
        this.cancel(messageId, entry.asyncId, sessionId);
        done();
        reject(new Smb2ConnectionError('cancelled', `Cancelled: request to ${this.where}`));
      };
      this.pending.set(messageId, entry);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Closes the connection; requests still waiting fail with 'closed'. */
  close(): void {
    this.socket.destroy();
    this.fail(new Smb2ConnectionError('closed', `Connection to ${this.where} closed`));
  }

  private write(pieces: readonly Buffer[]): void {
    const frameHeader = Buffer.alloc(4);
    // The top byte is the zero Direct TCP wants.
    frameHeader.writeUInt32BE(pieces.reduce((sum, piece) => sum + piece.length, 0));
    this.socket.cork();
    this.socket.write(frameHeader);
    for (const piece of pieces) this.socket.write(piece);
    this.socket.uncork();
  }

  /** CANCEL (MS-SMB2 3.2.4.24): takes no credit and gets no answer of its own. */
  private cancel(messageId: bigint, asyncId: bigint | null, sessionId: bigint): void {
    if (this.closed) return;
    const header = writeHeader({
      command: Command.CANCEL,
      messageId: asyncId === null ? messageId : 0n,
      creditCharge: 0,
      credits: 0,
      flags: asyncId === null ? 0 : Flags.ASYNC_COMMAND,
      asyncId: asyncId ?? 0n,
      sessionId,
    });
    const body = Buffer.alloc(4);
    body.writeUInt16LE(4, 0); // StructureSize
    const message = Buffer.concat([header, body]);
    const security = this.security.get(sessionId);
    this.write(security ? security.protect(message) : [message]);
  }

  /** Waits until the server has granted `charge` credits; an abort ends the wait at once. */
  private async takeCredits(charge: number, signal?: AbortSignal): Promise<void> {
    const cancelled = (): Smb2ConnectionError =>
      new Smb2ConnectionError('cancelled', `Cancelled: request to ${this.where}`);
    if (signal?.aborted) throw cancelled();
    while (this.credits < charge && !this.closed) {
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          const at = this.waitingForCredits.indexOf(wake);
          if (at !== -1) this.waitingForCredits.splice(at, 1);
          reject(cancelled());
        };
        const wake = (): void => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        this.waitingForCredits.push(wake);
      });
    }
    this.credits -= charge;
  }

  private grant(credits: number): void {
    this.credits += credits;
    for (const wake of this.waitingForCredits.splice(0)) wake();
  }

  /**
   * Reassembles Direct TCP frames, copying each once into a buffer of its own. The pieces are
   * kept as they arrive and joined when the frame is whole: memory follows what the server
   * sent, never the length it announced (a 16 MiB claim followed by 10 bytes costs 10 bytes).
   */
  private receive(data: Buffer): void {
    let at = 0;
    while (at < data.length) {
      if (this.frameLength < 0) {
        const n = Math.min(4 - this.headFill, data.length - at);
        data.copy(this.head, this.headFill, at, at + n);
        this.headFill += n;
        at += n;
        if (this.headFill < 4) return;
        this.headFill = 0;
        const length = this.head.readUInt32BE(0);
        // The first byte is Direct TCP's zero: anything else means the stream is not ours.
        if (this.head[0] !== 0 || length > MAX_MESSAGE_BYTES) {
          this.socket.destroy();
          this.fail(
            new Smb2ConnectionError(
              'closed',
              `${this.where} sent a frame of ${length} bytes (or not a Direct TCP frame): refused`,
            ),
          );
          return;
        }
        this.frameLength = length;
        this.frameFill = 0;
      }
      const n = Math.min(this.frameLength - this.frameFill, data.length - at);
      // Socket chunks are fresh buffers of their own (no onread buffer is reused here).
      if (n > 0) this.framePieces.push(data.subarray(at, at + n));
      this.frameFill += n;
      at += n;
      if (this.frameFill === this.frameLength) {
        const frame = Buffer.concat(this.framePieces, this.frameLength);
        this.framePieces = [];
        this.frameLength = -1;
        this.dispatch(frame);
      }
    }
  }

  private dispatch(frame: Buffer): void {
    let plain = frame;
    let encrypted = false;
    const messages: { message: Buffer; header: Smb2Header }[] = [];
    try {
      for (const security of this.security.values()) {
        const unwrapped = security.unwrap(frame);
        if (unwrapped) {
          plain = unwrapped;
          encrypted = true;
          break;
        }
      }
      // A compound answer: messages one after the other, each saying where the next starts.
      for (let at = 0; ;) {
        const rest = plain.subarray(at);
        const next = readHeader(rest).nextCommand;
        if (
          next !== 0 &&
          (next < HEADER_SIZE || next % 8 !== 0 || next > rest.length - HEADER_SIZE)
        ) {
          throw new Smb2FormatError(`Malformed compound answer: NextCommand ${next}`);
        }
        const message = next === 0 ? rest : rest.subarray(0, next);
        messages.push({ message, header: readHeader(message) });
        if (next === 0) break;
        at += next;
      }
    } catch (error) {
      // A message we cannot read cannot be routed: the stream is no longer trustworthy.
      this.socket.destroy();
      this.fail(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    for (const { message, header } of messages) this.route(message, header, encrypted);
  }

  private route(message: Buffer, header: Smb2Header, encrypted: boolean): void {
    this.grant(header.credits);
    const entry = this.pending.get(header.messageId);
    if (!entry) return; // the late answer to a cancelled or timed-out request
    const interim = header.status === Status.PENDING && (header.flags & Flags.ASYNC_COMMAND) !== 0;
    if (interim) {
      // Not an answer: the server works on it and will answer with this async id.
      entry.asyncId = header.asyncId;
      entry.restartTimer();
      return;
    }
    try {
      this.security.get(header.sessionId)?.check(message, header, encrypted);
    } catch (error) {
      entry.reject(error as Error);
      return;
    }
    entry.resolve({ header, body: message.subarray(HEADER_SIZE), message });
  }

  private fail(error: Error): void {
    this.closed = true;
    for (const entry of [...this.pending.values()]) entry.reject(error);
    for (const wake of this.waitingForCredits.splice(0)) wake();
  }
}
