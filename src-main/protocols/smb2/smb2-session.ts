import { createSecretKey, type KeyObject } from 'node:crypto';
import {
  ntlmAuthenticateMessage,
  ntlmMechListMic,
  ntlmNegotiateMessage,
  parseChallengeMessage,
  type NtlmCredentials,
} from './ntlm';
import {
  decryptMessage,
  defaultSigningAlgorithm,
  deriveKeys,
  encryptMessageParts,
  isTransformHeader,
  preauthHash,
  signMessage,
  verifySignature,
  verifySignedBeforeChaining,
  type Cipher,
  type SigningAlgorithm,
} from './smb2-crypto';
import { Command, Flags, Smb2FormatError, type Smb2Header } from './smb2-header';
import { DIALECTS, slice, type NegotiateResult } from './smb2-negotiate';
import { Smb2StatusError, Status } from './smb2-status';
import type { MessageSecurity, Smb2Transport } from './smb2-transport';
import {
  parseSpnegoToken,
  spnegoInitToken,
  spnegoMechTypesDer,
  spnegoResponseToken,
} from './spnego';

/*
 * SESSION_SETUP (MS-SMB2 3.2.4.2.3, 3.2.5.3): NTLMv2 inside SPNEGO, two round trips. Then the
 * session's keys (per dialect; for 3.1.1 bound to the pre-authentication integrity hash of
 * every NEGOTIATE and SESSION_SETUP message so far), and its security on the transport: every
 * message signed (HMAC-SHA256 for 2.x, AES-CMAC or the negotiated algorithm for 3.x) or, when
 * the server wants the session encrypted, encrypted, and every answer checked.
 */

const SESSION_FLAG_IS_GUEST = 0x0001;
const SESSION_FLAG_IS_NULL = 0x0002;
const SESSION_FLAG_ENCRYPT_DATA = 0x0004;

/** The server refused the credentials, or gave a guest session where a user was asked for. */
export class Smb2AuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Smb2AuthError';
  }
}

export interface Smb2Session {
  id: bigint;
  /** Every message of this session is encrypted (the server asked for it). */
  encryptAll: boolean;
  /** Turns encryption on for the session (a share that requires it, MS-SMB2 3.2.5.5). */
  requireEncryption(): void;
  signing: SigningAlgorithm;
  cipher: Cipher | null;
}

/**
 * Authenticates on `transport`. `preauth` is the connection's preauth hash after NEGOTIATE
 * (3.1.1), null otherwise. Throws Smb2AuthError (wrong user or password: the status is in the
 * message), Smb2StatusError, and what the transport and parsers throw.
 */
export async function sessionSetup(
  transport: Smb2Transport,
  negotiated: NegotiateResult,
  preauth: Buffer | null,
  credentials: NtlmCredentials,
  signal?: AbortSignal,
): Promise<Smb2Session> {
  const dialect = negotiated.dialect;
  let hash = preauth;
  const hashRequest = (message: Buffer): void => {
    if (hash) hash = preauthHash(hash, message);
  };
  const negotiateMessage = ntlmNegotiateMessage();
  const first = await transport.request(
    Command.SESSION_SETUP,
    setupRequest(spnegoInitToken(negotiateMessage)),
    { signal, onMessage: hashRequest },
  );
  if (first.header.status !== Status.MORE_PROCESSING_REQUIRED) {
    throw refusal(first.header.status, transport.where);
  }
  if (hash) hash = preauthHash(hash, first.message);
  const sessionId = first.header.sessionId;
  const challengeToken = parseSpnegoToken(setupSecurityBuffer(first.message)).responseToken;
  if (!challengeToken) throw new Smb2AuthError(`${transport.where} sent no NTLM challenge`);
  const challenge = parseChallengeMessage(challengeToken);
  const {
    message: authenticate,
    sessionKey,
    flags: agreed,
  } = ntlmAuthenticateMessage(credentials, challenge, negotiateMessage);
  const second = await transport.request(
    Command.SESSION_SETUP,
    // Samba (and Windows) want SPNEGO's mechListMIC with an NTLM AUTHENTICATE that has a MIC.
    setupRequest(
      spnegoResponseToken(
        authenticate,
        ntlmMechListMic(sessionKey, spnegoMechTypesDer(), { flags: agreed }),
      ),
    ),
    { signal, sessionId, onMessage: hashRequest },
  );
  if (second.header.status !== Status.SUCCESS) throw refusal(second.header.status, transport.where);
  if (second.body.length < 8) {
    throw new Smb2FormatError(`Malformed SESSION_SETUP answer from ${transport.where}: too short`);
  }
  const flags = second.body.readUInt16LE(2);
  if (flags & (SESSION_FLAG_IS_GUEST | SESSION_FLAG_IS_NULL)) {
    // A guest session cannot sign: accepting it would give up the integrity we asked for.
    throw new Smb2AuthError(
      `${transport.where} logged ${credentials.user} on as a guest: the user or password is wrong, or the account is unknown there`,
    );
  }
  const cipher = negotiated.cipher;
  const keys = deriveKeys(dialect, sessionKey, dialect === DIALECTS.SMB311 ? hash : null, cipher);
  const signing = negotiated.signingAlgorithm ?? defaultSigningAlgorithm(dialect);
  // The final answer is signed with the new key (3.1.1 always; others when signing is on).
  if (
    second.header.flags & Flags.SIGNED &&
    !verifySignature(second.message, keys.signingKey, signing)
  ) {
    throw new Smb2AuthError(`${transport.where}: the SESSION_SETUP answer's signature is wrong`);
  }
  const session: Smb2Session = {
    id: sessionId,
    encryptAll: (flags & SESSION_FLAG_ENCRYPT_DATA) !== 0,
    requireEncryption() {
      if (!cipher) {
        throw new Smb2AuthError(
          `${transport.where} requires encryption, which dialect 0x${dialect.toString(16)} cannot do`,
        );
      }
      session.encryptAll = true;
    },
    signing,
    cipher,
  };
  if (session.encryptAll && !cipher) session.requireEncryption();
  // Made once: a cipher keyed with a KeyObject is set up several times faster than with bytes.
  const signingKey = createSecretKey(keys.signingKey);
  const encryptionKey = cipher ? createSecretKey(keys.encryptionKey) : null;
  const decryptionKey = cipher ? createSecretKey(keys.decryptionKey) : null;
  const security: MessageSecurity = {
    protect(message, rest = []) {
      if (session.encryptAll && cipher)
        return encryptMessageParts(message, encryptionKey as KeyObject, cipher, sessionId, rest);
      signMessage(message, signingKey, signing, rest);
      return [message, ...rest];
    },
    protectChain(chain) {
      if (session.encryptAll && cipher) {
        const [first, ...others] = chain;
        if (!first) return [];
        const rest = [...first.rest, ...others.flatMap((m) => [m.message, ...m.rest])];
        return encryptMessageParts(
          first.message,
          encryptionKey as KeyObject,
          cipher,
          sessionId,
          rest,
        );
      }
      return chain.flatMap(({ message, rest }) => {
        signMessage(message, signingKey, signing, rest);
        return [message, ...rest];
      });
    },
    check(message: Buffer, header: Smb2Header, encrypted: boolean) {
      if (encrypted || header.status === Status.PENDING) return;
      if (session.encryptAll) {
        throw new Smb2AuthError(`${transport.where} answered in clear on an encrypted session`);
      }
      if (!(header.flags & Flags.SIGNED)) {
        throw new Smb2AuthError(`${transport.where} answered unsigned on a signed session`);
      }
      // A chained answer signed before it was chained (impacket) is accepted: see
      // verifySignedBeforeChaining for why that still authenticates all it says.
      if (
        !verifySignature(message, signingKey, signing) &&
        !verifySignedBeforeChaining(message, signingKey, signing)
      ) {
        throw new Smb2AuthError(
          `${transport.where}: an answer's signature is wrong (tampered with?)`,
        );
      }
    },
    unwrap(frame) {
      if (!cipher || !isTransformHeader(frame) || frame.length < 52) return null;
      if (frame.readBigUInt64LE(44) !== sessionId) return null;
      return decryptMessage(frame, decryptionKey as KeyObject, cipher).message;
    },
  };
  transport.security.set(sessionId, security);
  return session;
}

/** A SESSION_SETUP request body (MS-SMB2 2.2.5) carrying `token`. */
function setupRequest(token: Buffer): Buffer {
  const body = Buffer.alloc(24 + token.length);
  body.writeUInt16LE(25, 0); // StructureSize
  body.writeUInt8(0, 2); // Flags
  body.writeUInt8(0x01, 3); // SecurityMode: signing enabled
  body.writeUInt32LE(0x01, 4); // Capabilities: DFS
  body.writeUInt16LE(64 + 24, 12); // SecurityBufferOffset
  body.writeUInt16LE(token.length, 14);
  token.copy(body, 24);
  return body;
}

function setupSecurityBuffer(message: Buffer): Buffer {
  const body = message.subarray(64);
  if (body.length < 8) throw new Smb2FormatError('Malformed SESSION_SETUP answer: too short');
  return slice(
    message,
    body.readUInt16LE(4),
    body.readUInt16LE(6),
    'SESSION_SETUP security buffer',
  );
}

function refusal(status: number, where: string): Error {
  const error = new Smb2StatusError(status, `Logon at ${where}`);
  return status === Status.LOGON_FAILURE ||
    status === Status.ACCOUNT_DISABLED ||
    status === Status.ACCOUNT_LOCKED_OUT ||
    status === Status.PASSWORD_EXPIRED ||
    status === Status.ACCOUNT_RESTRICTION
    ? Object.assign(new Smb2AuthError(error.message), { status, statusName: error.statusName })
    : error;
}
