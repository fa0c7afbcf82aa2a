import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

const MiB = 1024 * 1024;

/** The sha-256 of a file, read as a stream (files of gigabytes are fine). */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** `size` random bytes written to `file` in 1 MiB blocks; resolves with their sha-256. */
export async function randomFile(file: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  const handle = await open(file, 'w');
  try {
    for (let done = 0; done < size;) {
      const block = randomBytes(Math.min(MiB, size - done));
      hash.update(block);
      await handle.write(block);
      done += block.length;
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}
