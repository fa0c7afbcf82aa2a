import type { Readable } from 'node:stream';
import { AppError } from '../../../src-shared/errors';
import { Smb2Client, type Smb2ClientOptions } from '../../protocols/smb2/smb2-client';
import {
  Access,
  CreateOption,
  Disposition,
  InfoType,
  ShareAccess,
  type OpenFile,
  type Smb2Share,
} from '../../protocols/smb2/smb2-files';
import {
  FileAttribute,
  FileInfoClass,
  encodeDispositionInformation,
  parseDirectoryEntries,
  type SmbFileInfo,
} from '../../protocols/smb2/smb2-info';
import { cancelledError, throwIfAborted } from '../abort';
import type {
  EntryInfo,
  HashAlgorithm,
  ListOptions,
  Location,
  LocationCapabilities,
  MetadataUpdate,
  ReadOptions,
  SecurityDescriptorParts,
  WriteOptions,
} from '../location';
import { mappedBody } from '../mapped-stream';
import { checkReadRange } from '../read-range';
import { joinRelative, parentOfRelative } from '../relative-path';
import { isTemporaryName, temporaryName } from '../temp-names';
import { mapSmbError } from './smb-errors';
import { assertSmbPath, listedEntry } from './smb-names';
import {
  basicInformation,
  chunksOf,
  followedBy,
  gather,
  renameOver,
  toEntry,
  writeStream,
} from './smb-io';
import { discard, readSmall, smallFileLimit, temporaryRequest, writeSmall } from './smb-small';
import { assertVersion, readBody } from './smb-read';
import { applySecurity, securityInfo, securityWriteAccess } from './smb-security';
import { copyOnServer, sameSmbSession } from './smb-copy';
import { makeFolder } from './smb-folders';
import { writeWithHoles } from './smb-sparse';
import { linkOnShare } from './smb-links';
import { querySecurityDescriptor, securityAccess } from '../../protocols/smb2/smb2-security';

const LISTING = FileInfoClass.FileIdBothDirectoryInformation;

interface Session {
  client: Smb2Client;
  share: Smb2Share;
}

/**
 * A folder of an SMB share through our own SMB 2/3 client (src-main/protocols/smb2): signed
 * always, encrypted when the server or share asks. Writes go to a temporary name, get their
 * times, and are renamed over the final name on the same open handle; a failed write deletes
 * its temporary through the handle it holds.
 */
export class SmbLocation implements Location {
  readonly kind = 'smb' as const;
  readonly capabilities: LocationCapabilities = {
    // FILETIME counts 100 ns; EntryInfo keeps milliseconds with a fraction.
    mtimePrecisionMs: 1,
    // Windows and NAS shares match names without regard to case.
    caseSensitive: false,
    emptyDirectories: true,
    symlinks: false,
    posixMetadata: false,
    // Creation time and the standard attributes (smb-io.ts: basicInformation).
    windowsMetadata: true,
    storedHashes: [],
    shareableAcrossThreads: true,
    usefulConcurrency: 8,
    // Two connections: Samba serves each with a process of its own, so a second one doubles
    // what the server does at once (5,000 x 4 KiB up, quiet machine: 7.4-8.0 s on two threads,
    // 9.2-11.8 s on one; down the same); more held a client each for little.
    usefulThreads: 2,
    objectTags: false,
    // Files with holes: marked sparse, zeros left unwritten (smb-sparse.ts).
    keepsHoles: true,
    // FileLinkInformation (smb-links.ts); a server without hard links fails the link only.
    hardLinks: true,
    // A read checks the planned size and mtime when it opens and again at its CLOSE.
    snapshotReads: true,
  };
  private session: Promise<Session> | null = null;
  /** The server answered that it has no server-side copy: copyFrom stops asking. */
  private noServerCopy = false;

  constructor(
    private readonly options: Smb2ClientOptions & { share: string; folder: string },
    readonly description: string,
  ) {}

  /** Throws: auth-failed, not-found (share or folder), not-dir, permission-denied, unavailable. */
  async connect(signal: AbortSignal): Promise<void> {
    const entry = await this.stat('', signal);
    if (entry.type !== 'dir') {
      throw new AppError('not-dir', `Not a folder: ${this.description}`, {
        path: this.description,
      });
    }
    // Listing rights show up now, not in the middle of a run.
    await this.run('', 'open location', signal, async (share) => {
      const dir = await this.openDir(share, '', signal);
      await share.close(dir);
    });
  }

  async close(): Promise<void> {
    const session = this.session;
    this.session = null;
    await session?.then((s) => s.client.close()).catch(() => undefined);
  }

  async stat(path: string, signal: AbortSignal): Promise<EntryInfo> {
    assertSmbPath(path, this.description);
    return this.run(path, 'stat', signal, async (share) => {
      const file = await share.create(
        this.full(path),
        {
          access: Access.READ_ATTRIBUTES | Access.SYNCHRONIZE,
          disposition: Disposition.OPEN,
          options: CreateOption.OPEN_REPARSE_POINT,
        },
        signal,
      );
      await share.close(file);
      return toEntry(path, file);
    });
  }

  async list(path: string, signal: AbortSignal, options?: ListOptions): Promise<EntryInfo[]> {
    assertSmbPath(path, this.description);
    return this.run(path, 'read folder', signal, async (share) =>
      (await this.entries(share, path, signal))
        .filter((e) => {
          if (!isTemporaryName(e.name)) return true;
          if (!(e.attributes & FileAttribute.DIRECTORY)) options?.onTemporary?.(e.name);
          return false;
        })
        .map((e) => listedEntry(path, e)),
    );
  }

  async read(path: string, options: ReadOptions, signal: AbortSignal): Promise<Readable> {
    assertSmbPath(path, this.description);
    checkReadRange(options, this.where(path));
    const request = {
      access: Access.READ_DATA | Access.READ_ATTRIBUTES | Access.SYNCHRONIZE,
      disposition: Disposition.OPEN,
      options: CreateOption.NON_DIRECTORY_FILE,
      shareAccess: ShareAccess.ALL,
    };
    const where = this.where(path);
    return this.run(path, 'open file', signal, async (share) => {
      // A small file of a planned version: CREATE, READ and CLOSE in one round trip.
      const whole = await readSmall(share, this.full(path), request, options, where, signal);
      if (whole) return whole;
      const file = await share.create(this.full(path), request, signal);
      try {
        assertVersion(options.expect, file, where, 'since it was listed');
      } catch (error) {
        void share.close(file).catch(() => undefined);
        throw error;
      }
      const body = readBody(
        share,
        file,
        options,
        signal,
        (attributes) => assertVersion(options.expect, attributes, where, 'while it was being read'),
        () => share.attributesOf(this.full(path), signal),
      );
      return mappedBody(body, signal, this.where(path), (error) =>
        mapSmbError(error, this.where(path), 'read file'),
      );
    });
  }

  async write(
    path: string,
    data: Readable,
    options: WriteOptions,
    signal: AbortSignal,
  ): Promise<number> {
    try {
      assertSmbPath(path, this.description);
      if (path === '') throw new AppError('is-dir', `Is a folder: ${this.where(path)}`);
      throwIfAborted(signal, this.where(path));
    } catch (error) {
      data.destroy();
      throw error;
    }
    // The source's failure reaches us through reading it; no listener left, it would be thrown.
    data.on('error', () => undefined);
    const onAbort = (): void => void data.destroy(cancelledError(this.where(path)));
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.run(path, 'write file', signal, async (share) => {
        const limit = smallFileLimit(share);
        // A small file (gathered first: its size is known only at its end) takes two round
        // trips; a larger one, or one with a descriptor to set, is streamed.
        const chunks = chunksOf(data);
        const head =
          (options.size ?? 0) <= limit && !options.metadata?.securityDescriptor
            ? await gather(chunks, limit)
            : { pieces: [], length: 0, ended: false };
        if (head.ended) {
          throwIfAborted(signal, this.where(path));
          const temp = joinRelative(parentOfRelative(path), temporaryName());
          return writeSmall(
            share,
            this.full(temp),
            this.full(path),
            head.pieces,
            basicInformation(options.metadata, { parts: 'times' }),
            basicInformation(options.metadata, { parts: 'attributes' }),
            signal,
          );
        }
        return this.intoTemporary(share, path, options.metadata, signal, (file) =>
          options.sparse
            ? writeWithHoles(share, file, followedBy(head.pieces, chunks), signal)
            : writeStream(share, file, followedBy(head.pieces, chunks), signal),
        );
      });
    } catch (error) {
      data.destroy();
      throw await this.writeFailure(path, error, signal);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Server-side copy (FSCTL_SRV_COPYCHUNK_WRITE, smb-copy.ts) from another folder of the same
   * share reached as the same user: the server copies the bytes, atomically as `write` writes
   * them. Null for any other source, and when the server has no server-side copy (remembered).
   * Throws as write does, and changed-during-transfer when the source is not the planned size
   * or changes while it is copied.
   */
  async copyFrom(
    source: Location,
    path: string,
    options: WriteOptions & { alongside(): Promise<void> },
    signal: AbortSignal,
  ): Promise<number | null> {
    if (!(source instanceof SmbLocation) || this.noServerCopy) return null;
    if (!sameSmbSession(this.options, source.options)) return null;
    assertSmbPath(path, this.description);
    if (path === '') throw new AppError('is-dir', `Is a folder: ${this.where(path)}`);
    throwIfAborted(signal, this.where(path));
    const from = { path: source.full(path), where: source.where(path), size: options.size };
    try {
      const copied = await this.run(path, 'copy file', signal, (share) =>
        copyOnServer(
          share,
          from,
          () => options.alongside(),
          signal,
          (fill) => this.intoTemporary(share, path, options.metadata, signal, fill),
        ),
      );
      if (copied === null) this.noServerCopy = true;
      return copied;
    } catch (error) {
      throw await this.writeFailure(path, error, signal);
    }
  }

  async mkdir(path: string, signal: AbortSignal): Promise<void> {
    assertSmbPath(path, this.description);
    await this.run(path, 'create folder', signal, (share) =>
      makeFolder(share, this.full(path), this.where(path), signal),
    );
  }

  /**
   * Makes `path` another name of `existing` (SET_INFO FileLinkInformation, replacing a file
   * there in the same step). Throws: invalid-name, not-found, not-supported (a server or file
   * system without hard links), permission-denied, unavailable, cancelled.
   */
  async link(path: string, existing: string, signal: AbortSignal): Promise<void> {
    assertSmbPath(path, this.description);
    assertSmbPath(existing, this.description);
    if (path === '') throw new AppError('is-dir', `Is a folder: ${this.where(path)}`);
    await this.run(path, 'create hard link', signal, (share) =>
      linkOnShare(share, this.full(existing), this.full(path), signal),
    );
  }

  async remove(path: string, signal: AbortSignal): Promise<void> {
    assertSmbPath(path, this.description);
    await this.run(path, 'remove file', signal, (share) => this.delete(share, path, false, signal));
  }

  async rmdir(path: string, signal: AbortSignal): Promise<void> {
    assertSmbPath(path, this.description);
    if (path === '')
      throw new AppError('invalid-input', `Cannot remove the location's root: ${this.description}`);
    await this.run(path, 'remove folder', signal, async (share) => {
      const names = (await this.entries(share, path, signal)).map((e) => e.name);
      if (!names.every(isTemporaryName)) {
        throw new AppError('dir-not-empty', `Folder not empty: ${this.where(path)}`, {
          path: this.where(path),
        });
      }
      for (const name of names) await this.delete(share, joinRelative(path, name), false, signal);
      await this.delete(share, path, true, signal);
    });
  }

  async setMetadata(path: string, metadata: MetadataUpdate, signal: AbortSignal): Promise<void> {
    assertSmbPath(path, this.description);
    if (!basicInformation(metadata) && !metadata.securityDescriptor)
      return void (await this.stat(path, signal));
    await this.run(path, 'set metadata', signal, async (share) => {
      const file = await share.create(
        this.full(path),
        {
          access: Access.WRITE_ATTRIBUTES | Access.SYNCHRONIZE | securityWriteAccess(metadata),
          disposition: Disposition.OPEN,
        },
        signal,
      );
      try {
        // The descriptor first: on Windows, setting it can touch the change time, not the rest.
        await this.applySecurity(share, file, path, metadata, signal);
        const folder = (file.attributes & FileAttribute.DIRECTORY) !== 0;
        const basic = basicInformation(metadata, { folder });
        if (basic)
          await share.setInfo(file, InfoType.FILE, FileInfoClass.FileBasicInformation, basic, {
            signal,
          });
      } finally {
        await share.close(file).catch(() => undefined);
      }
    });
  }

  /**
   * The owner and DACL (and SACL for OWNER_DACL_SACL) of a file or folder, self-relative.
   * Throws not-found, permission-denied (reading a SACL needs the "manage auditing" privilege:
   * STATUS_PRIVILEGE_NOT_HELD), unavailable.
   */
  async securityDescriptor(
    path: string,
    parts: SecurityDescriptorParts,
    signal: AbortSignal,
  ): Promise<Uint8Array> {
    assertSmbPath(path, this.description);
    const info = securityInfo(parts);
    return this.run(path, 'read security descriptor', signal, async (share) => {
      const file = await share.create(
        this.full(path),
        {
          access: securityAccess(info, 'read') | Access.SYNCHRONIZE,
          disposition: Disposition.OPEN,
          options: CreateOption.OPEN_REPARSE_POINT,
        },
        signal,
      );
      try {
        return await querySecurityDescriptor(share, file, info, signal);
      } finally {
        await share.close(file).catch(() => undefined);
      }
    });
  }

  async storedHash(
    path: string,
    _algorithm: HashAlgorithm,
    signal: AbortSignal,
  ): Promise<string | null> {
    assertSmbPath(path, this.description);
    throwIfAborted(signal, this.where(path));
    return null;
  }

  async removeTemporaries(folder: string, signal: AbortSignal): Promise<number> {
    assertSmbPath(folder, this.description);
    return this.run(folder, 'read folder', signal, async (share) => {
      let removed = 0;
      for (const e of await this.entries(share, folder, signal)) {
        if (!isTemporaryName(e.name) || e.attributes & FileAttribute.DIRECTORY) continue;
        await this.delete(share, joinRelative(folder, e.name), false, signal).then(
          () => removed++,
          () => undefined,
        );
      }
      return removed;
    });
  }

  /** Throws invalid-name, cancelled, not-supported: SMB shares keep no symlinks here. */
  async symlink(path: string, _target: string, signal: AbortSignal): Promise<void> {
    assertSmbPath(path, this.description);
    throwIfAborted(signal, this.where(path));
    throw new AppError('not-supported', `Symlinks are not kept on SMB shares: ${this.where(path)}`);
  }

  /**
   * A write's temporary, on the session `run` gave: created beside `path` with the access its
   * metadata needs, filled by `fill` through its handle, given its times and security
   * descriptor, then renamed over `path` on that same handle, then given its attributes (after
   * the rename, which sets the archive bit). On any failure before the rename it is deleted
   * through the handle, and the failure is rethrown as it came; attributes refused after it
   * are thrown as they came (the file is in place).
   */
  private async intoTemporary(
    share: Smb2Share,
    path: string,
    metadata: MetadataUpdate | undefined,
    signal: AbortSignal,
    fill: (file: OpenFile) => Promise<number>,
  ): Promise<number> {
    const temp = joinRelative(parentOfRelative(path), temporaryName());
    // Not cancelled half-way (the transport's time limit applies): a CREATE the client stopped
    // waiting for still creates the temporary, and one whose handle we never learned stays.
    const file = await share.create(
      this.full(temp),
      temporaryRequest(securityWriteAccess(metadata)),
    );
    let written: number;
    try {
      written = await fill(file);
      throwIfAborted(signal, this.where(path));
      const basic = basicInformation(metadata, { parts: 'times' });
      if (basic)
        await share.setInfo(file, InfoType.FILE, FileInfoClass.FileBasicInformation, basic, {
          signal,
        });
      await this.applySecurity(share, file, path, metadata, signal);
      // Not cancelled half-way either: a rename the server carried out unseen would leave the
      // file in place while the caller believes it discarded.
      await renameOver(share, file, this.full(path));
    } catch (error) {
      // Deleted through the handle we hold.
      await discard(share, file);
      throw error;
    }
    // After the rename, which sets the archive bit (Samba): in place now, never deleted.
    try {
      const attributes = basicInformation(metadata, { parts: 'attributes' });
      if (attributes)
        await share.setInfo(file, InfoType.FILE, FileInfoClass.FileBasicInformation, attributes, {
          signal,
        });
    } finally {
      await share.close(file).catch(() => undefined);
    }
    return written;
  }

  /** What a failed write says: cancelled, a file in the way of a folder, a folder at `path`. */
  private async writeFailure(path: string, error: unknown, signal: AbortSignal): Promise<unknown> {
    if (signal.aborted) return cancelledError(this.where(path));
    if (
      error instanceof AppError &&
      error.code === 'not-found' &&
      (await this.fileInTheWay(path))
    ) {
      return new AppError(
        'not-dir',
        `Not a folder: ${this.where(parentOfRelative(path))} (a file is in the way)`,
        { path: this.where(path) },
      );
    }
    if (
      error instanceof AppError &&
      (error.code === 'already-exists' || error.code === 'permission-denied')
    ) {
      // A rename over a folder: say so rather than blame permissions.
      const existing = await this.stat(path, AbortSignal.timeout(10_000)).catch(() => null);
      if (existing?.type === 'dir')
        return new AppError('is-dir', `Is a folder: ${this.where(path)}`, {
          path: this.where(path),
        });
    }
    return error;
  }

  /** Whether a file stands where one of `path`'s folders should be (servers say NOT_FOUND). */
  private async fileInTheWay(path: string): Promise<boolean> {
    const signal = AbortSignal.timeout(10_000);
    for (let folder = parentOfRelative(path); folder !== ''; folder = parentOfRelative(folder)) {
      const found = await this.stat(folder, signal).catch(() => null);
      if (found) return found.type !== 'dir';
    }
    return false;
  }

  /** "SMB //server/share/folder/path", for messages. */
  /** applySecurity, its failure named as such (an owner the server will not give...). */
  private async applySecurity(
    share: Smb2Share,
    file: OpenFile,
    path: string,
    metadata: MetadataUpdate | undefined,
    signal: AbortSignal,
  ): Promise<void> {
    await applySecurity(share, file, metadata, signal).catch((error: unknown) => {
      throw mapSmbError(error, this.where(path), 'set security descriptor');
    });
  }

  private where(path: string): string {
    return path === '' ? this.description : `${this.description}/${path}`;
  }

  /** The path inside the share, with backslashes; invalid-name for what SMB cannot name. */
  private full(path: string): string {
    assertSmbPath(path, this.description);
    return (path === '' ? this.options.folder : joinRelative(this.options.folder, path)).replace(
      /\//g,
      '\\',
    );
  }

  private async openDir(share: Smb2Share, path: string, signal: AbortSignal): Promise<OpenFile> {
    return share.create(
      this.full(path),
      {
        access: Access.READ_DATA | Access.READ_ATTRIBUTES | Access.SYNCHRONIZE,
        disposition: Disposition.OPEN,
        options: CreateOption.DIRECTORY_FILE,
      },
      signal,
    );
  }

  /** Every entry of a folder ('.' and '..' left out), temporaries included. */
  private async entries(
    share: Smb2Share,
    path: string,
    signal: AbortSignal,
  ): Promise<SmbFileInfo[]> {
    const dir = await this.openDir(share, path, signal);
    const out: SmbFileInfo[] = [];
    try {
      for await (const batch of share.queryDirectory(dir, LISTING, signal)) {
        for (const e of parseDirectoryEntries(batch, LISTING))
          if (e.name !== '.' && e.name !== '..') out.push(e);
      }
    } finally {
      await share.close(dir).catch(() => undefined);
    }
    return out;
  }

  /** Opens `path` for deletion (a folder when `folder`), marks it deleted, closes it. */
  private async delete(
    share: Smb2Share,
    path: string,
    folder: boolean,
    signal: AbortSignal,
  ): Promise<void> {
    const file = await share.create(
      this.full(path),
      {
        access: Access.DELETE | Access.READ_ATTRIBUTES | Access.SYNCHRONIZE,
        disposition: Disposition.OPEN,
        options: folder ? CreateOption.DIRECTORY_FILE : CreateOption.NON_DIRECTORY_FILE,
      },
      signal,
    );
    try {
      await share.setInfo(
        file,
        InfoType.FILE,
        FileInfoClass.FileDispositionInformation,
        encodeDispositionInformation(true),
        { signal },
      );
    } finally {
      await share.close(file).catch(() => undefined);
    }
  }

  /** The session, opened on first use (again after a failed open or a dropped connection). */
  private connected(): Promise<Session> {
    this.session ??= (async () => {
      const client = await Smb2Client.connect(this.options);
      try {
        return { client, share: await client.share(this.options.share) };
      } catch (error) {
        await client.close();
        throw error;
      }
    })().catch((error: unknown) => {
      this.session = null;
      throw error;
    });
    return this.session;
  }

  private async run<T>(
    path: string,
    action: string,
    signal: AbortSignal,
    operation: (share: Smb2Share) => Promise<T>,
  ): Promise<T> {
    throwIfAborted(signal, this.where(path));
    try {
      let { share, client } = await this.connected();
      if (client.transport.isClosed) {
        // The connection dropped (a server restart, a network blip): log on again, once.
        if (this.session) this.session = null;
        ({ share, client } = await this.connected());
      }
      return await operation(share);
    } catch (error) {
      if (signal.aborted) throw cancelledError(this.where(path));
      throw mapSmbError(error, this.where(path), action);
    }
  }
}
