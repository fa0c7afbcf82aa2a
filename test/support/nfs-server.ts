/**
 * nfs-ganesha 4.3 (Debian: nfs-ganesha, nfs-ganesha-vfs) on 127.0.0.1 for tests, recipe from
 * shared/design/test-servers.md: FSAL VFS on a temporary folder, NFSv3 and MOUNT on fixed free
 * ports, no rpcbind (a preloaded shim makes its registration succeed), ready when its log says
 * NFS SERVER INITIALIZED.
 *
 * The VFS backend needs CAP_DAC_READ_SEARCH, which the tests run without (scripts/
 * unprivileged.mjs), so as root the server is started by the privileged launcher that script
 * keeps (DATAFERRY_PRIVILEGED_LAUNCHER); otherwise it is started directly.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface RunningNfsServer {
  nfsPort: number;
  mountPort: number;
  /** The export's path as clients name it. */
  exportPath: string;
  /** The exported folder on this machine, for arranging and checking. */
  root: string;
  /** Kills the server (SIGKILL): what a crash or a pulled cable looks like to a client. */
  kill(): Promise<void>;
  /** Starts it again on the same ports and export (after kill), ready when it says so. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const SHIM = `#include <stdbool.h>
bool rpcb_set(unsigned long p, unsigned long v, const void *a, const void *b) { return true; }
bool rpcb_unset(unsigned long p, unsigned long v, const void *a) { return true; }
`;

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve) => {
          const server = net.createServer();
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** One request to the privileged launcher. */
async function launcher(request: object): Promise<Record<string, unknown>> {
  const socketPath = process.env.DATAFERRY_PRIVILEGED_LAUNCHER as string;
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    let answer = '';
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (data) => {
      answer += data.toString();
      if (answer.includes('\n')) {
        socket.end();
        const parsed = JSON.parse(answer) as Record<string, unknown>;
        if (typeof parsed.error === 'string') reject(new Error(parsed.error));
        else resolve(parsed);
      }
    });
    socket.on('error', reject);
  });
}

/** Starts ganesha; rejects with its log when it does not come up within 15 s. */
export async function startNfsServer(): Promise<RunningNfsServer> {
  if (!existsSync('/usr/bin/ganesha.nfsd')) {
    throw new Error('nfs-ganesha is not installed (apt-get install nfs-ganesha nfs-ganesha-vfs)');
  }
  const base = await mkdtemp(path.join(os.tmpdir(), 'dataferry-ganesha-'));
  const root = path.join(base, 'export');
  await mkdir(root);
  await mkdir(path.join(base, 'recov'));
  await writeFile(path.join(base, 'shim.c'), SHIM);
  const preload = path.join(base, 'shim.so');
  execFileSync('gcc', ['-shared', '-fPIC', '-O2', '-o', preload, path.join(base, 'shim.c')]);
  const [nfsPort, mountPort, nlmPort, rquotaPort] = (await freePorts(4)) as [
    number,
    number,
    number,
    number,
  ];
  const conf = path.join(base, 'ganesha.conf');
  await writeFile(
    conf,
    `NFS_CORE_PARAM { Protocols = 3, 4; Bind_Addr = 127.0.0.1; NFS_Port = ${nfsPort}; MNT_Port = ${mountPort};
  NLM_Port = ${nlmPort}; Rquota_Port = ${rquotaPort}; Enable_NLM = false; Enable_RQUOTA = false;
  Enable_UDP = false; Mount_Path_Pseudo = true; Plugins_Dir = /usr/lib/x86_64-linux-gnu/ganesha; }
NFS_KRB5 { Active_krb5 = false; }
NFSV4 { Graceless = true; RecoveryBackend = fs; RecoveryRoot = ${base}/recov; Only_Numeric_Owners = true; }
EXPORT { Export_Id = 1; Path = ${root}; Pseudo = /export; Access_Type = RW; Squash = No_Root_Squash;
  Protocols = 3, 4; Transports = TCP; SecType = sys; Attr_Expiration_Time = 0; FSAL { Name = VFS; } }
LOG { Default_Log_Level = EVENT; }
`,
  );
  const log = path.join(base, 'ganesha.log');
  const pidFile = path.join(base, 'ganesha.pid');
  let pid: number | undefined;
  let direct: ChildProcess | undefined;
  const signal = async (name: 'SIGTERM' | 'SIGKILL'): Promise<void> => {
    if (pid !== undefined)
      await launcher({ op: 'signal', pid, signal: name }).catch(() => undefined);
    direct?.kill(name);
  };
  const launch = async (): Promise<void> => {
    await writeFile(log, '');
    if (process.env.DATAFERRY_PRIVILEGED_LAUNCHER) {
      pid = (await launcher({ op: 'start-ganesha', conf, log, pidFile, preload })).pid as number;
    } else {
      direct = spawn(
        'ganesha.nfsd',
        ['-F', '-f', conf, '-L', log, '-p', pidFile, '-N', 'NIV_EVENT'],
        { env: { ...process.env, LD_PRELOAD: preload }, stdio: 'ignore' },
      );
    }
    const deadline = Date.now() + 15_000;
    for (;;) {
      const text = await readFile(log, 'utf8').catch(() => '');
      if (text.includes('NFS SERVER INITIALIZED')) break;
      if (Date.now() > deadline) {
        await signal('SIGKILL');
        throw new Error(`nfs-ganesha did not start within 15 s:\n${text.slice(-3000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const kill = async (): Promise<void> => {
    await signal('SIGKILL');
    // Gone when its port refuses connections.
    for (let i = 0; i < 100; i++) {
      const open = await new Promise<boolean>((resolve) => {
        const socket = net.connect(nfsPort, '127.0.0.1');
        socket.once('connect', () => (socket.destroy(), resolve(true)));
        socket.once('error', () => resolve(false));
      });
      if (!open) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  await launch();
  let stopped = false;
  return {
    nfsPort,
    mountPort,
    exportPath: '/export',
    root,
    kill,
    restart: launch,
    async stop() {
      if (stopped) return;
      stopped = true;
      await signal('SIGKILL');
      await removeTree(base);
    },
  };
}

/**
 * Removes a folder tree, first giving owner permissions back to folders that tests made
 * unreadable over NFS (the tests run without the capability that lets root ignore modes).
 */
export async function removeTree(folder: string): Promise<void> {
  try {
    await rm(folder, { recursive: true, force: true });
  } catch {
    const open = async (dir: string): Promise<void> => {
      await chmod(dir, 0o700).catch(() => undefined);
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const e of entries) if (e.isDirectory()) await open(path.join(dir, e.name));
    };
    await open(folder);
    await rm(folder, { recursive: true, force: true });
  }
}
