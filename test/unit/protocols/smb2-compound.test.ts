import { afterEach, describe, expect, it } from 'vitest';
import { writeSmall } from '../../../src-main/locations/smb/smb-small';
import { Smb2Client } from '../../../src-main/protocols/smb2/smb2-client';
import { Access, Disposition, type Smb2Share } from '../../../src-main/protocols/smb2/smb2-files';
import { Command, Flags } from '../../../src-main/protocols/smb2/smb2-header';
import { FileInfoClass } from '../../../src-main/protocols/smb2/smb2-info';
import { Smb2StatusError, Status } from '../../../src-main/protocols/smb2/smb2-status';
import {
  scriptedSmb2,
  SCRIPTED_USER,
  type ScriptedSmb2,
  type SmbRequest,
  type SmbScript,
} from '../../support/scripted-smb2';

/*
 * Compound chains (MS-SMB2 3.2.4.1.4) against a scripted server that answers each element in a
 * frame of its own: what the chain looks like on the wire (related flag, FileId all ones, 8-byte
 * alignment), and which status is reported when an element fails and the server fails the rest
 * (with the same status or STATUS_INVALID_PARAMETER): the first real one, never an invented one.
 */

let servers: ScriptedSmb2[] = [];
let clients: Smb2Client[] = [];
afterEach(async () => {
  for (const c of clients) c.transport.close();
  for (const s of servers) await s.close();
  [servers, clients] = [[], []];
});

const FILE_ID = Buffer.alloc(16, 0x42);
const RELATED = Buffer.alloc(16, 0xff);

/** A CREATE answer body (2.2.14) for a file of `size` bytes with FILE_ID. */
function createAnswer(size = 0): Buffer {
  const body = Buffer.alloc(89);
  body.writeUInt16LE(89, 0);
  body.writeUInt32LE(2, 4); // created
  body.writeBigUInt64LE(BigInt(size), 48);
  FILE_ID.copy(body, 64);
  return body;
}

/** A WRITE answer body (2.2.22) saying `count` bytes were written. */
function writeAnswer(count: number): Buffer {
  const body = Buffer.alloc(17);
  body.writeUInt16LE(17, 0);
  body.writeUInt32LE(count, 4);
  return body;
}

const ok = Buffer.from([2, 0, 0, 0]); // the SET_INFO / CLOSE answer of 2.2.40 / 2.2.16, enough
const closeAnswer = Buffer.alloc(60); // 2.2.16, no attributes asked for

async function shareOn(script: SmbScript): Promise<{ share: Smb2Share; server: ScriptedSmb2 }> {
  const server = await scriptedSmb2(script);
  servers.push(server);
  const client = await Smb2Client.connect({
    host: '127.0.0.1',
    port: server.port,
    credentials: SCRIPTED_USER,
    timeoutMs: 5000,
  });
  clients.push(client);
  return { share: await client.share('data'), server };
}

/** The requests after the logon (NEGOTIATE, SESSION_SETUP x2, TREE_CONNECT). */
const fileRequests = (server: ScriptedSmb2): SmbRequest[] =>
  server.requests.filter((r) => r.command >= Command.CREATE);

describe('SMB2 compound chains', () => {
  it('sends CREATE + WRITE + SET_INFO as a related chain, FileId all ones, 8-byte aligned', async () => {
    const { share, server } = await shareOn((request) => {
      if (request.command === Command.CREATE) return { body: createAnswer() };
      if (request.command === Command.WRITE) return { body: writeAnswer(5) };
      if (request.command === Command.SET_INFO) return { body: ok };
      return undefined;
    });
    const { file, failure } = await share.createWriteSet(
      'dir\\new.tmp',
      { access: Access.WRITE_DATA, disposition: Disposition.CREATE },
      [Buffer.from('hello')],
      [{ infoType: 1, infoClass: FileInfoClass.FileBasicInformation, data: Buffer.alloc(40) }],
    );
    expect(failure).toBeNull();
    expect(file.id).toEqual(FILE_ID);
    const [create, write, setInfo] = fileRequests(server);
    expect([create?.command, write?.command, setInfo?.command]).toEqual([
      Command.CREATE,
      Command.WRITE,
      Command.SET_INFO,
    ]);
    expect((create?.flags ?? 0) & Flags.RELATED_OPERATIONS).toBe(0);
    expect((write?.flags ?? 0) & Flags.RELATED_OPERATIONS).toBe(Flags.RELATED_OPERATIONS);
    expect((setInfo?.flags ?? 0) & Flags.RELATED_OPERATIONS).toBe(Flags.RELATED_OPERATIONS);
    expect(write?.body.subarray(16, 32)).toEqual(RELATED);
    expect(setInfo?.body.subarray(16, 32)).toEqual(RELATED);
    // The WRITE's data rode in the chain, after its 48 fixed bytes.
    expect(write?.body.subarray(48, 53).toString()).toBe('hello');
    // Each message but the last padded to 8 bytes (NextCommand is a multiple of 8).
    expect(((create?.body.length ?? 0) + 64) % 8).toBe(0);
    expect(((write?.body.length ?? 0) + 64) % 8).toBe(0);
  });

  it('reports the status of the element that failed, not what the server said of the ones after', async () => {
    const { share } = await shareOn((request) => {
      if (request.command === Command.CREATE) return { body: createAnswer() };
      if (request.command === Command.WRITE) return { status: Status.DISK_FULL };
      if (request.command === Command.SET_INFO) return { status: Status.INVALID_PARAMETER };
      return undefined;
    });
    const { file, failure } = await share.createWriteSet(
      'new.tmp',
      { access: Access.WRITE_DATA, disposition: Disposition.CREATE },
      [Buffer.from('hello')],
      [{ infoType: 1, infoClass: FileInfoClass.FileBasicInformation, data: Buffer.alloc(40) }],
    );
    expect(file.id).toEqual(FILE_ID);
    expect(failure).toBeInstanceOf(Smb2StatusError);
    expect((failure as Smb2StatusError).statusName).toBe('STATUS_DISK_FULL');
  });

  it('a CREATE that fails is the error of the whole chain; the READ and CLOSE after it say nothing', async () => {
    const { share } = await shareOn((request) =>
      request.command === Command.CREATE
        ? { status: Status.OBJECT_NAME_NOT_FOUND }
        : request.command === Command.READ || request.command === Command.CLOSE
          ? { status: Status.INVALID_PARAMETER }
          : undefined,
    );
    const error = await share
      .createReadClose(
        'gone.bin',
        { access: Access.READ_DATA, disposition: Disposition.OPEN },
        0n,
        4096,
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Smb2StatusError);
    expect((error as Smb2StatusError).statusName).toBe('STATUS_OBJECT_NAME_NOT_FOUND');
    expect((error as Error).message).toContain('gone.bin');
  });

  it('a CLOSE answered without the POSTQUERY attributes (impacket) gives none, not an invented status', async () => {
    const { share } = await shareOn((request) =>
      request.command === Command.CREATE
        ? { body: createAnswer(0) }
        : request.command === Command.CLOSE
          ? { body: closeAnswer } // Flags 0: the attributes were not answered
          : undefined,
    );
    const read = await share.createReadClose(
      'a.bin',
      { access: Access.READ_DATA, disposition: Disposition.OPEN },
      0n,
      0,
    );
    expect(read.atClose).toBeNull();
    await expect(share.closeAndStat({ ...read.file })).resolves.toBeNull();
  });

  it('a small write whose WRITE fails deletes its temporary through the handle and names the status', async () => {
    const { share, server } = await shareOn((request) => {
      if (request.command === Command.CREATE) return { body: createAnswer() };
      if (request.command === Command.WRITE) return { status: Status.DISK_FULL };
      if (request.command === Command.SET_INFO) {
        // The times after the failed WRITE: failed by the server too. The delete: done.
        const related = (request.flags & Flags.RELATED_OPERATIONS) !== 0;
        return related && request.body.readUInt8(3) === FileInfoClass.FileBasicInformation
          ? { status: Status.DISK_FULL }
          : { body: ok };
      }
      if (request.command === Command.CLOSE) return { body: closeAnswer };
      return undefined;
    });
    const error = await writeSmall(
      share,
      'dir\\~tmp',
      'dir\\final.bin',
      [Buffer.from('data')],
      Buffer.alloc(40),
      null,
      AbortSignal.timeout(5000),
    ).catch((e: unknown) => e);
    expect((error as Smb2StatusError).statusName).toBe('STATUS_DISK_FULL');
    const after = fileRequests(server).slice(3);
    // SET_INFO(delete) on the handle CREATE gave, then CLOSE: no rename was ever sent.
    expect(after.map((r) => r.command)).toEqual([Command.SET_INFO, Command.CLOSE]);
    expect(after[0]?.body.readUInt8(3)).toBe(FileInfoClass.FileDispositionInformation);
    expect(after[0]?.body.subarray(16, 32)).toEqual(FILE_ID);
    expect(
      fileRequests(server).some(
        (r) =>
          r.command === Command.SET_INFO &&
          r.body.readUInt8(3) === FileInfoClass.FileRenameInformation,
      ),
    ).toBe(false);
  });
});
