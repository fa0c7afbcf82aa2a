import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalLocation } from '../../src-main/locations/local/local-location';
import { describeLocationConformance, source } from './location-conformance';

async function makeLocalFixture(): Promise<{
  root: string;
  location: LocalLocation;
  cleanup(): Promise<void>;
  putFile(rel: string, data: Buffer): Promise<void>;
  rawNames(folder: string): Promise<string[]>;
  outside(): Promise<string>;
}> {
  // The root sits inside a folder of its own, next to a file an escape would touch.
  const parent = await mkdtemp(path.join(os.tmpdir(), 'dataferry-local-'));
  const root = path.join(parent, 'root');
  await mkdir(root);
  await writeFile(path.join(parent, 'x'), 'outside: must stay');
  return {
    root,
    location: new LocalLocation(root),
    cleanup: () => rm(parent, { recursive: true, force: true }),
    async putFile(rel, data) {
      const abs = path.join(root, ...rel.split('/'));
      await mkdir(path.dirname(abs), { recursive: true });
      await writeFile(abs, data);
    },
    rawNames: async (folder) => (await readdir(path.join(root, folder))).sort(),
    async outside() {
      const names = (await readdir(parent)).sort();
      const x = await readFile(path.join(parent, 'x'), 'utf8');
      return JSON.stringify({ names, x, root: (await readdir(path.dirname(root))).length });
    },
  };
}

describeLocationConformance('local', makeLocalFixture);

describe('LocalLocation specifics', () => {
  const live = (): AbortSignal => new AbortController().signal;

  it('keeps sub-millisecond mtimes as far as Node carries them', async () => {
    const fx = await makeLocalFixture();
    try {
      const mtimeMs = 1_600_000_000_123.456;
      await fx.location.write('f', source([Buffer.from('x')]), { metadata: { mtimeMs } }, live());
      expect(Math.abs((await fx.location.stat('f', live())).mtimeMs - mtimeMs)).toBeLessThan(0.01);
      await fx.location.setMetadata('f', { mtimeMs: mtimeMs + 0.5 }, live());
      const after = (await fx.location.stat('f', live())).mtimeMs;
      expect(Math.abs(after - (mtimeMs + 0.5))).toBeLessThan(0.01);
    } finally {
      await fx.cleanup();
    }
  });

  it('reports owner and permissions in listings', async () => {
    const fx = await makeLocalFixture();
    try {
      await fx.putFile('f', Buffer.from('x'));
      await chmod(path.join(fx.root, 'f'), 0o4751);
      const [entry] = await fx.location.list('', live());
      expect(entry).toMatchObject({ path: 'f', mode: 0o4751, uid: process.getuid?.() });
    } finally {
      await fx.cleanup();
    }
  });

  it.skipIf(process.platform !== 'linux')(
    'closes the file when a read stream is destroyed before its first read',
    async () => {
      const fx = await makeLocalFixture();
      try {
        await fx.putFile('f', Buffer.alloc(1000));
        const openFds = async (): Promise<number> => (await readdir('/proc/self/fd')).length;
        const before = await openFds();
        for (let i = 0; i < 40; i++) (await fx.location.read('f', {}, live())).destroy();
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(await openFds()).toBeLessThan(before + 5);
      } finally {
        await fx.cleanup();
      }
    },
  );

  it('connect names the root when it is missing or a file', async () => {
    const parent = await mkdtemp(path.join(os.tmpdir(), 'dataferry-connect-'));
    try {
      const missing = path.join(parent, 'missing');
      await expect(new LocalLocation(missing).connect(live())).rejects.toMatchObject({
        code: 'not-found',
        message: expect.stringContaining(missing),
      });
      await writeFile(path.join(parent, 'file'), 'x');
      await expect(
        new LocalLocation(path.join(parent, 'file')).connect(live()),
      ).rejects.toMatchObject({ code: 'not-dir', message: expect.stringContaining('file') });
      expect(new LocalLocation(parent).description).toBe(`local folder ${parent}`);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
});

/*
 * Permission denied must be real, but root ignores file modes. So the checks run LocalLocation in
 * a child Node process: as root, under setpriv without the capabilities that bypass permissions
 * (as test/support/web-host-process.ts does); otherwise as the same user. Node 24 runs the
 * TypeScript sources directly (type stripping); a tiny resolve hook adds the '.ts' our
 * extensionless imports leave out.
 */
// Windows has no POSIX modes to take away; its ACL denial maps through the same EPERM/EACCES rows.
describe.skipIf(process.platform === 'win32')(
  'LocalLocation permission-denied (in an unprivileged child process)',
  () => {
    let parent: string;
    let root: string;

    beforeAll(async () => {
      parent = await mkdtemp(path.join(os.tmpdir(), 'dataferry-perm-'));
      root = path.join(parent, 'root');
      await mkdir(path.join(root, 'locked'), { recursive: true });
      await writeFile(path.join(root, 'locked', 'inside.txt'), 'x');
      await writeFile(path.join(root, 'secret.txt'), 'secret');
      await mkdir(path.join(root, 'ro'));
      await chmod(path.join(root, 'locked'), 0o000);
      await chmod(path.join(root, 'secret.txt'), 0o000);
      await chmod(path.join(root, 'ro'), 0o555);
    });

    afterAll(async () => {
      await chmod(path.join(root, 'locked'), 0o755).catch(() => undefined);
      await rm(parent, { recursive: true, force: true });
    });

    it('maps EACCES on list, read, write and connect to permission-denied naming the path', async () => {
      const results = await runUnprivileged(root);
      // The child could read the root at all: the check below is about permissions, not setup.
      expect(results.listRoot).toEqual({ ok: ['locked', 'ro', 'secret.txt'] });
      expect(results.listLocked).toMatchObject({ code: 'permission-denied' });
      expect(results.listLocked?.message).toContain(path.join(root, 'locked'));
      expect(results.readSecret).toMatchObject({ code: 'permission-denied' });
      expect(results.readSecret?.message).toContain(path.join(root, 'secret.txt'));
      expect(results.writeReadOnly).toMatchObject({ code: 'permission-denied' });
      expect(results.writeReadOnly?.message).toContain(path.join(root, 'ro'));
      expect(results.connectLocked).toMatchObject({ code: 'permission-denied' });
      expect(results.connectLocked?.message).toContain(path.join(root, 'locked'));
      expect(await readdir(path.join(root, 'ro'))).toEqual([]); // no temporary left behind
      expect((await stat(path.join(root, 'secret.txt'))).mode & 0o777).toBe(0);
    });
  },
);

interface ChildResult {
  ok?: unknown;
  code?: string;
  message?: string;
}

const HOOK = `export async function resolve(specifier, context, next) {
  try { return await next(specifier, context); }
  catch (error) {
    if (specifier.startsWith('.') && !/\\.[cm]?[jt]s$/.test(specifier)) return next(specifier + '.ts', context);
    throw error;
  }
}`;

const CHILD = `
import { Readable } from 'node:stream';
const { LocalLocation } = await import(process.env.MODULE_URL);
const root = process.env.ROOT;
const signal = new AbortController().signal;
const outcome = async (fn) => {
  try { return { ok: await fn() }; } catch (e) { return { code: e.code, message: e.message }; }
};
const loc = new LocalLocation(root);
const out = {
  listRoot: await outcome(async () => (await loc.list('', signal)).map((e) => e.path).sort()),
  listLocked: await outcome(() => loc.list('locked', signal)),
  readSecret: await outcome(async () => {
    const chunks = [];
    for await (const c of await loc.read('secret.txt', {}, signal)) chunks.push(c);
    return Buffer.concat(chunks).toString();
  }),
  writeReadOnly: await outcome(() => loc.write('ro/new.txt', Readable.from([Buffer.from('x')]), {}, signal)),
  connectLocked: await outcome(() => new LocalLocation(root + '/locked').connect(signal)),
};
console.log(JSON.stringify(out));
`;

async function runUnprivileged(root: string): Promise<Record<string, ChildResult | undefined>> {
  const moduleUrl = pathToFileURL(
    path.resolve(__dirname, '../../src-main/locations/local/local-location.ts'),
  ).href;
  const register = `import { register } from 'node:module'; register(${JSON.stringify(
    `data:text/javascript,${encodeURIComponent(HOOK)}`,
  )});`;
  const nodeArgs = [
    '--no-warnings',
    '--import',
    `data:text/javascript,${encodeURIComponent(register)}`,
    '--input-type=module',
    '-e',
    CHILD,
  ];
  const [file, args] =
    process.getuid?.() === 0
      ? [
          'setpriv',
          ['--bounding-set', '-dac_override,-dac_read_search', process.execPath, ...nodeArgs],
        ]
      : [process.execPath, nodeArgs];
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(
      file,
      args,
      { env: { ...process.env, MODULE_URL: moduleUrl, ROOT: root }, timeout: 15_000 },
      (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
    ),
  );
  return JSON.parse(stdout) as Record<string, ChildResult | undefined>;
}
