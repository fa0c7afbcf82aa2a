/**
 * impacket's SMB server (Debian: python3-impacket) on 127.0.0.1 for tests, recipe from
 * shared/design/test-servers.md: a second SMB implementation beside Samba (which stays the
 * conformance reference), not Samba's code, with SMB 2.1 at most, no encryption, and its own
 * gaps (docs/smb.md lists them). One share, one user, its own port and folder, stopped by the
 * PID it was started with.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const SCRIPT = '/usr/share/doc/python3-impacket/examples/smbserver.py';

export const IMPACKET_USER = 'alice';
export const IMPACKET_PASSWORD = 'Secr3t!';

export interface RunningImpacketServer {
  port: number;
  /** The share's name as clients name it. */
  share: string;
  /** The shared folder on this machine, for arranging and checking. */
  root: string;
  user: string;
  password: string;
  /** What the server printed (its log), for a failing test's message. */
  log(): Promise<string>;
  stop(): Promise<void>;
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

/** Starts smbserver.py; rejects with its output when it does not listen within 20 s. */
export async function startImpacketServer(): Promise<RunningImpacketServer> {
  if (!existsSync(SCRIPT)) {
    throw new Error(`impacket's SMB server is not installed (apt-get install python3-impacket)`);
  }
  const base = await mkdtemp(path.join(os.tmpdir(), 'dataferry-impacket-'));
  const root = path.join(base, 'share');
  await mkdir(root);
  const logFile = path.join(base, 'server.log');
  const port = await freePort();
  const share = 'DATA';
  // Its own process group (detached), so that a stop reaches it and nothing it started.
  const child: ChildProcess = spawn(
    'sh',
    [
      '-c',
      `exec /usr/bin/python3 "${SCRIPT}" -smb2support -username ${IMPACKET_USER} -password '${IMPACKET_PASSWORD}' -ip 127.0.0.1 -port ${port} ${share} "${root}" >"${logFile}" 2>&1`,
    ],
    { detached: true, stdio: 'ignore' },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const log = (): Promise<string> => readFile(logFile, 'utf8').catch(() => '');
  const deadline = Date.now() + 20_000;
  while (!(await answers(port))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(
        `impacket's smbserver did not listen on ${port}:\n${(await log()).slice(-3000)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  let stopped = false;
  return {
    port,
    share,
    root,
    user: IMPACKET_USER,
    password: IMPACKET_PASSWORD,
    log,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-(child.pid as number), 'SIGTERM');
        } catch {
          child.kill('SIGTERM');
        }
        const late = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(late);
      }
      await rm(base, { recursive: true, force: true });
    },
  };
}
