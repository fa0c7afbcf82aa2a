import { randomBytes } from 'node:crypto';
import type { NtlmCredentials } from './ntlm';
import { preauthHash } from './smb2-crypto';
import { Command, Smb2FormatError } from './smb2-header';
import {
  DIALECTS,
  negotiateRequest,
  parseNegotiateResponse,
  type DialectCode,
  type NegotiateResult,
} from './smb2-negotiate';
import { Smb2Share } from './smb2-files';
import { sessionSetup, type Smb2Session } from './smb2-session';
import { Smb2StatusError, Status } from './smb2-status';
import { Smb2Transport } from './smb2-transport';

/*
 * An SMB2/3 client: one connection, one authenticated session, and trees (shares) on it.
 * NEGOTIATE offers every dialect we speak (or the one pinned), SESSION_SETUP authenticates,
 * TREE_CONNECT opens a share and turns encryption on when the share requires it.
 */

const SHARE_FLAG_ENCRYPT_DATA = 0x00008000;

export interface Smb2ClientOptions {
  host: string;
  port?: number;
  credentials: NtlmCredentials;
  /** Offer only this dialect (AUTOMATIC: all of 2.0.2 to 3.1.1, the highest wins). */
  dialect?: DialectCode;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface Smb2Tree {
  id: number;
  share: string;
  encrypted: boolean;
  /** What the share allows this user (MaximalAccess). */
  maximalAccess: number;
}

export class Smb2Client {
  private constructor(
    readonly transport: Smb2Transport,
    readonly negotiated: NegotiateResult,
    readonly session: Smb2Session,
    private readonly host: string,
  ) {}

  /**
   * Connects, negotiates and logs on. Throws Smb2ConnectionError (unreachable...),
   * Smb2AuthError (wrong credentials), Smb2StatusError, Smb2FormatError.
   */
  static async connect(options: Smb2ClientOptions): Promise<Smb2Client> {
    const transport = await Smb2Transport.connect(
      options.host,
      options.port ?? 445,
      options.timeoutMs,
    );
    try {
      const dialects = options.dialect
        ? [options.dialect]
        : (Object.values(DIALECTS) as DialectCode[]);
      let preauth: Buffer | null = Buffer.alloc(64);
      const response = await transport.request(
        Command.NEGOTIATE,
        negotiateRequest(dialects, clientGuid()),
        {
          signal: options.signal,
          onMessage: (message) => void (preauth = preauthHash(preauth as Buffer, message)),
        },
      );
      if (response.header.status !== Status.SUCCESS) {
        throw new Smb2StatusError(response.header.status, `NEGOTIATE with ${transport.where}`);
      }
      const negotiated = parseNegotiateResponse(response.message, dialects);
      preauth =
        negotiated.dialect === DIALECTS.SMB311 ? preauthHash(preauth, response.message) : null;
      const session = await sessionSetup(
        transport,
        negotiated,
        preauth,
        options.credentials,
        options.signal,
      );
      return new Smb2Client(transport, negotiated, session, options.host);
    } catch (error) {
      transport.close();
      throw error;
    }
  }

  /** "\\\\host\\share", for messages. */
  unc(share: string): string {
    return `\\\\${this.host}\\${share}`;
  }

  /** The file operations of `share` (TREE_CONNECT first). Throws as treeConnect does. */
  async share(name: string, signal?: AbortSignal): Promise<Smb2Share> {
    return new Smb2Share(this, await this.treeConnect(name, signal));
  }

  /** TREE_CONNECT to `share`. Throws Smb2StatusError (STATUS_BAD_NETWORK_NAME for a missing one). */
  async treeConnect(share: string, signal?: AbortSignal): Promise<Smb2Tree> {
    const path = Buffer.from(`\\\\${this.host}\\${share}`, 'utf16le');
    const body = Buffer.alloc(8 + path.length);
    body.writeUInt16LE(9, 0); // StructureSize
    body.writeUInt16LE(64 + 8, 4); // PathOffset
    body.writeUInt16LE(path.length, 6);
    path.copy(body, 8);
    const response = await this.transport.request(Command.TREE_CONNECT, body, {
      sessionId: this.session.id,
      signal,
    });
    if (response.header.status !== Status.SUCCESS) {
      throw new Smb2StatusError(response.header.status, `TREE_CONNECT \\\\${this.host}\\${share}`);
    }
    if (response.body.length < 16) {
      throw new Smb2FormatError(
        `Malformed TREE_CONNECT answer for \\\\${this.host}\\${share}: ${response.body.length} bytes, 16 needed`,
      );
    }
    const flags = response.body.readUInt32LE(4);
    const encrypted = (flags & SHARE_FLAG_ENCRYPT_DATA) !== 0;
    if (encrypted) this.session.requireEncryption();
    return {
      id: response.header.treeId,
      share,
      encrypted: encrypted || this.session.encryptAll,
      maximalAccess: response.body.readUInt32LE(12),
    };
  }

  /** Logs off and closes the connection. Never throws. */
  async close(): Promise<void> {
    if (!this.transport.isClosed) {
      const body = Buffer.alloc(4);
      body.writeUInt16LE(4, 0);
      await this.transport
        .request(Command.LOGOFF, body, { sessionId: this.session.id, timeoutMs: 2000 })
        .catch(() => undefined);
    }
    this.transport.close();
  }
}

/** A client GUID stable for this process (servers use it to recognise a client's connections). */
const PROCESS_GUID = randomBytes(16);
function clientGuid(): Buffer {
  return PROCESS_GUID;
}
