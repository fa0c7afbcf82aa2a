/*
 * SPNEGO (RFC 4178, with Microsoft's NegTokenInit2 from MS-SPNG 2.2.1), the DER wrapping of
 * the NTLM messages in SMB2 SESSION_SETUP. Only NTLMSSP is offered. Parsing is bounded: every
 * length is checked against the bytes its element sits in, the grammar fixes the depth, and
 * hostile input throws SpnegoError: never a RangeError, never a loop that does not end.
 */

/** A malformed or truncated SPNEGO token, or one that is not SPNEGO at all. */
export class SpnegoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpnegoError';
  }
}

export const SPNEGO_OID = '1.3.6.1.5.5.2';
export const NTLMSSP_OID = '1.3.6.1.4.1.311.2.2.10';

export type NegState = 'accept-completed' | 'accept-incomplete' | 'reject' | 'request-mic';
const NEG_STATES: readonly NegState[] = [
  'accept-completed',
  'accept-incomplete',
  'reject',
  'request-mic',
];

export interface SpnegoToken {
  /** NegTokenResp's negState; null in a NegTokenInit, or when the server left it out. */
  negState: NegState | null;
  supportedMech: string | null;
  /** NegTokenResp's responseToken, or a NegTokenInit's mechToken (an optimistic token). */
  responseToken: Buffer | null;
  mechListMIC: Buffer | null;
  /** A NegTokenInit's mechTypes, in the sender's order of preference; [] in a NegTokenResp. */
  mechTypes: string[];
}

// DER tags: universal, and context-specific constructed [n] = 0xa0 + n.
const OCTET_STRING = 0x04;
const OID = 0x06;
const ENUMERATED = 0x0a;
const SEQUENCE = 0x30;
const APPLICATION_0 = 0x60;
const context = (n: number): number => 0xa0 + n;

/** A DER length: short form below 128, else 0x80 + the count of big-endian bytes that follow. */
function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const tlv = (tag: number, ...content: Buffer[]): Buffer => {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
};

/** An OBJECT IDENTIFIER's contents (X.690 8.19): 40 * arc1 + arc2, then base-128 arcs. */
function encodeOid(oid: string): Buffer {
  const arcs = oid.split('.').map(Number);
  const bytes: number[] = [];
  [arcs[0]! * 40 + arcs[1]!, ...arcs.slice(2)].forEach((arc) => {
    const groups = [arc & 0x7f];
    for (let rest = Math.floor(arc / 128); rest > 0; rest = Math.floor(rest / 128)) {
      groups.unshift(0x80 | (rest & 0x7f));
    }
    bytes.push(...groups);
  });
  return tlv(OID, Buffer.from(bytes));
}

/**
 * The DER MechTypeList our NegTokenInit carries, SEQUENCE { NTLMSSP }: the bytes the NTLM
 * mechListMIC signs (RFC 4178 5, "the mechTypes field in the initial NegTokenInit").
 */
export function spnegoMechTypesDer(): Buffer {
  return tlv(SEQUENCE, encodeOid(NTLMSSP_OID));
}

/**
 * The client's first token: a GSS-API InitialContextToken (RFC 2743 3.1, [APPLICATION 0] with
 * the SPNEGO OID) holding a NegTokenInit that offers NTLMSSP only, with `mechToken` (the NTLM
 * NEGOTIATE message) as the optimistic token. Never throws.
 */
export function spnegoInitToken(mechToken: Buffer): Buffer {
  const negTokenInit = tlv(
    SEQUENCE,
    tlv(context(0), spnegoMechTypesDer()),
    tlv(context(2), tlv(OCTET_STRING, mechToken)),
  );
  return tlv(APPLICATION_0, encodeOid(SPNEGO_OID), tlv(context(0), negTokenInit));
}

/**
 * A NegTokenResp ([1], RFC 4178 4.2.2) carrying `responseToken` (the NTLM AUTHENTICATE) and,
 * when given, the mechListMIC. negState is left out, as Windows and Samba clients leave it.
 */
export function spnegoResponseToken(responseToken: Buffer, mechListMIC?: Buffer): Buffer {
  const fields = [tlv(context(2), tlv(OCTET_STRING, responseToken))];
  if (mechListMIC) fields.push(tlv(context(3), tlv(OCTET_STRING, mechListMIC)));
  return tlv(context(1), tlv(SEQUENCE, ...fields));
}

interface Element {
  tag: number;
  /** The contents: a view into the token, start and end checked. */
  content: Buffer;
}

/** The DER elements of `data`, one after the other, each checked to lie within it. */
function* elements(data: Buffer, where: string): Generator<Element> {
  let offset = 0;
  while (offset < data.length) {
    const tag = data[offset]!;
    if ((tag & 0x1f) === 0x1f) {
      throw new SpnegoError(`Malformed SPNEGO ${where}: a multi-byte tag`);
    }
    if (offset + 2 > data.length) {
      throw new SpnegoError(`Truncated SPNEGO ${where}: no length after tag 0x${tag.toString(16)}`);
    }
    let length = data[offset + 1]!;
    let start = offset + 2;
    if (length >= 0x80) {
      const count = length & 0x7f;
      // 0x80 is BER's indefinite length, which DER forbids; more than 4 bytes is > 4 GiB.
      if (count === 0 || count > 4) {
        throw new SpnegoError(`Malformed SPNEGO ${where}: length form 0x${length.toString(16)}`);
      }
      if (start + count > data.length) {
        throw new SpnegoError(`Truncated SPNEGO ${where}: a length cut short`);
      }
      length = data.readUIntBE(start, count);
      start += count;
    }
    if (start + length > data.length) {
      throw new SpnegoError(
        `Truncated SPNEGO ${where}: ${length} bytes announced, ${data.length - start} there`,
      );
    }
    yield { tag, content: data.subarray(start, start + length) };
    offset = start + length;
  }
}

/** The one element `data` must hold (trailing bytes are ignored, as Windows and Samba do). */
function single(data: Buffer, where: string): Element {
  const first = elements(data, where).next();
  if (first.done) throw new SpnegoError(`Truncated SPNEGO ${where}: empty`);
  return first.value;
}

function expect(element: Element, tag: number, where: string): Buffer {
  if (element.tag !== tag) {
    throw new SpnegoError(
      `Malformed SPNEGO ${where}: tag 0x${element.tag.toString(16)}, not 0x${tag.toString(16)}`,
    );
  }
  return element.content;
}

/** An OBJECT IDENTIFIER's contents as dotted text; arcs beyond 2^49 are refused. */
function decodeOid(content: Buffer): string {
  if (content.length === 0) throw new SpnegoError('Malformed SPNEGO OID: empty');
  const arcs: number[] = [];
  let arc = 0;
  for (let i = 0; i < content.length; i++) {
    if (arc > 2 ** 42) throw new SpnegoError('Malformed SPNEGO OID: an arc too large');
    arc = arc * 128 + (content[i]! & 0x7f);
    if (content[i]! & 0x80) continue;
    if (arcs.length === 0)
      arcs.push(arc < 80 ? Math.floor(arc / 40) : 2, arc < 80 ? arc % 40 : arc - 80);
    else arcs.push(arc);
    arc = 0;
  }
  if (content[content.length - 1]! & 0x80) {
    throw new SpnegoError('Truncated SPNEGO OID: the last arc is cut short');
  }
  return arcs.join('.');
}

const octets = (element: Element, where: string): Buffer =>
  Buffer.from(expect(single(element.content, where), OCTET_STRING, where));

function parseNegTokenInit(content: Buffer, token: SpnegoToken): void {
  for (const field of elements(
    expect(single(content, 'NegTokenInit'), SEQUENCE, 'NegTokenInit'),
    'NegTokenInit',
  )) {
    if (field.tag === context(0)) {
      const list = expect(single(field.content, 'mechTypes'), SEQUENCE, 'mechTypes');
      for (const mech of elements(list, 'mechTypes')) {
        token.mechTypes.push(decodeOid(expect(mech, OID, 'mechType')));
      }
    } else if (field.tag === context(2)) {
      token.responseToken = octets(field, 'mechToken');
    } else if (field.tag === context(3)) {
      // RFC 4178's mechListMIC, or NegTokenInit2's negHints (a SEQUENCE, ignored).
      const inner = single(field.content, 'NegTokenInit [3]');
      if (inner.tag === OCTET_STRING) token.mechListMIC = Buffer.from(inner.content);
    } else if (field.tag === context(4)) {
      token.mechListMIC = octets(field, 'mechListMIC'); // NegTokenInit2
    }
    // [1] reqFlags, and extensions RFC 4178 leaves room for, are skipped.
  }
}

function parseNegTokenResp(content: Buffer, token: SpnegoToken): void {
  for (const field of elements(
    expect(single(content, 'NegTokenResp'), SEQUENCE, 'NegTokenResp'),
    'NegTokenResp',
  )) {
    if (field.tag === context(0)) {
      const state = expect(single(field.content, 'negState'), ENUMERATED, 'negState');
      const value = state.length === 1 ? NEG_STATES[state[0]!] : undefined;
      if (!value) throw new SpnegoError('Malformed SPNEGO negState: not one of the four');
      token.negState = value;
    } else if (field.tag === context(1)) {
      token.supportedMech = decodeOid(
        expect(single(field.content, 'supportedMech'), OID, 'supportedMech'),
      );
    } else if (field.tag === context(2)) {
      token.responseToken = octets(field, 'responseToken');
    } else if (field.tag === context(3)) {
      token.mechListMIC = octets(field, 'mechListMIC');
    }
  }
}

/**
 * Parses what a server sends: a NegTokenResp ([1], SESSION_SETUP responses), or an
 * InitialContextToken with a NegTokenInit / NegTokenInit2 (the NEGOTIATE response's security
 * buffer, whose mechTypes say what the server offers). Throws SpnegoError for anything
 * truncated, malformed, or not SPNEGO (another OID in the InitialContextToken).
 */
export function parseSpnegoToken(token: Buffer): SpnegoToken {
  const result: SpnegoToken = {
    negState: null,
    supportedMech: null,
    responseToken: null,
    mechListMIC: null,
    mechTypes: [],
  };
  let outer = single(token, 'token');
  if (outer.tag === APPLICATION_0) {
    const parts = elements(outer.content, 'InitialContextToken');
    const mech = parts.next();
    if (mech.done) throw new SpnegoError('Truncated SPNEGO InitialContextToken: empty');
    const oid = decodeOid(expect(mech.value, OID, 'InitialContextToken'));
    if (oid !== SPNEGO_OID) throw new SpnegoError(`Not SPNEGO: mechanism ${oid}`);
    const inner = parts.next();
    if (inner.done) throw new SpnegoError('Truncated SPNEGO InitialContextToken: no token');
    outer = inner.value;
  }
  if (outer.tag === context(0)) parseNegTokenInit(outer.content, result);
  else if (outer.tag === context(1)) parseNegTokenResp(outer.content, result);
  else throw new SpnegoError(`Not SPNEGO: a token with tag 0x${outer.tag.toString(16)}`);
  return result;
}
