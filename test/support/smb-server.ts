/**
 * A private Samba smbd (Debian: samba) on 127.0.0.1 for tests, recipe from
 * shared/design/test-servers.md: its own folders, port and user database under one temporary
 * folder, never the system service. `hardened` adds what Windows 11 24H2, Server 2025 and many
 * NAS boxes require: SMB 3 only, signing mandatory, encryption required.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const SMB_TEST_USER = 'smbtest';
export const SMB_TEST_PASSWORD = 'Pa55-w0rd!';

export interface RunningSmbServer {
  port: number;
  /** The share's name as clients name it. */
  share: string;
  /** The shared folder on this machine, for arranging and checking. */
  root: string;
  user: string;
  password: string;
  /** Lets the test user change what a test made under the share on disk (chmod -R a+rwX). */
  giveToUser(folder: string): void;
  /** Kills smbd and its helpers (SIGKILL): a crash, to a client. */
  kill(): Promise<void>;
  /** Starts it again on the same port and share (after kill). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface SmbServerOptions {
  /** server min protocol = SMB3, server signing = mandatory, server smb encrypt = required. */
  hardened?: boolean;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** The Unix account Samba maps the test user to; made once per machine. */
function ensureUser(): { uid: number; gid: number } {
  try {
    execFileSync('id', ['-u', SMB_TEST_USER], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['-M', '-s', '/usr/sbin/nologin', SMB_TEST_USER]);
  }
  const uid = Number(execFileSync('id', ['-u', SMB_TEST_USER]).toString());
  const gid = Number(execFileSync('id', ['-g', SMB_TEST_USER]).toString());
  return { uid, gid };
}

/** Starts smbd; rejects with its log when it does not listen within 15 s. */
export async function startSmbServer(options: SmbServerOptions = {}): Promise<RunningSmbServer> {
  if (!existsSync('/usr/sbin/smbd')) {
    throw new Error('Samba is not installed (apt-get install samba smbclient)');
  }
  const { uid, gid } = ensureUser();
  const base = await mkdtemp(path.join(os.tmpdir(), 'dataferry-samba-'));
  const dirs = ['private', 'lock', 'state', 'cache', 'pid', 'ncalrpc', 'log', 'share'];
  for (const dir of dirs) await mkdir(path.join(base, dir));
  const root = path.join(base, 'share');
  // smbd works in the share as the test user, who must be able to reach it.
  await chmod(base, 0o755);
  await chown(root, uid, gid);
  // Tests arrange files straight on disk (as root without DAC override) before handing them over.
  await chmod(root, 0o777);
  const port = await freePort();
  const conf = path.join(base, 'smb.conf');
  await writeFile(
    conf,
    `[global]
   smb ports = ${port}
   interfaces = 127.0.0.1/8
   bind interfaces only = yes
   private dir = ${base}/private
   lock directory = ${base}/lock
   state directory = ${base}/state
   cache directory = ${base}/cache
   pid directory = ${base}/pid
   ncalrpc dir = ${base}/ncalrpc
   log file = ${base}/log/smbd.log
   rpc start on demand helpers = no
   disable netbios = yes
   load printers = no
   workgroup = TESTGROUP
   # Samba's default, said here because tests rely on it: DOS attributes and the creation
   # time a client sets are kept in the user.DOSATTRIB xattr.
   store dos attributes = yes
${options.hardened ? '   server min protocol = SMB3\n   server signing = mandatory\n   server smb encrypt = required\n' : ''}
[data]
   path = ${root}
   read only = no
   create mask = 0777
   directory mask = 0777
   force create mode = 0666
   force directory mode = 0777
`,
  );
  execFileSync('smbpasswd', ['-c', conf, '-s', '-a', SMB_TEST_USER], {
    input: `${SMB_TEST_PASSWORD}\n${SMB_TEST_PASSWORD}\n`,
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  const stdout = path.join(base, 'log', 'stdout');
  let child: ChildProcess;
  let exited: Promise<unknown> = Promise.resolve();
  const launch = async (): Promise<void> => {
    const started = spawn(
      'sh',
      [
        '-c',
        `exec smbd --foreground --no-process-group --debug-stdout -s "${conf}" >"${stdout}" 2>&1`,
      ],
      { detached: true, stdio: 'ignore' },
    );
    child = started;
    exited = new Promise((resolve) => started.once('exit', resolve));
    const deadline = Date.now() + 15_000;
    while (!(await answers(port))) {
      if (Date.now() > deadline || started.exitCode !== null) {
        started.kill('SIGKILL');
        const log = await readFile(stdout, 'utf8').catch(() => '');
        throw new Error(`smbd did not listen on ${port} within 15 s:\n${log.slice(-3000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  await launch();
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  const signalAll = (signal: NodeJS.Signals): void => {
    // Its helpers (one smbd per client) are in its process group.
    try {
      process.kill(-(child.pid as number), signal);
    } catch {
      child.kill(signal);
    }
  };
  const kill = async (): Promise<void> => {
    if (running()) signalAll('SIGKILL');
    await exited;
    // Gone when its port refuses connections.
    for (let i = 0; i < 100 && (await answers(port)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  /** SIGTERM lets smbd stop its helpers and reap them; SIGKILL after 5 s. */
  const terminate = async (): Promise<void> => {
    if (!running()) return;
    signalAll('SIGTERM');
    const late = setTimeout(() => signalAll('SIGKILL'), 5000);
    await exited;
    clearTimeout(late);
  };
  let stopped = false;
  return {
    port,
    share: 'data',
    root,
    user: SMB_TEST_USER,
    password: SMB_TEST_PASSWORD,
    giveToUser: (folder) => void execFileSync('chmod', ['-R', 'a+rwX', folder]),
    kill,
    restart: launch,
    async stop() {
      if (stopped) return;
      stopped = true;
      await terminate();
      // What smbd made belongs to the test user: take it back (the tests run without the
      // capability that lets root ignore modes), then remove it.
      execFileSync('chown', ['-R', '0:0', base]);
      execFileSync('chmod', ['-R', 'u+rwX', base]);
      await rm(base, { recursive: true, force: true });
    },
  };
}
