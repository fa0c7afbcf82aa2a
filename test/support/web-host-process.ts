import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface WebHostProcess {
  url: string;
  origin: string;
  port: number;
  token: string;
  /** Everything the process printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

const REPO = path.resolve(__dirname, '..', '..');

/**
 * Starts the built web host (`node out/main/serve.js`) as its own process, the way a user does,
 * and resolves with the URL it prints. As root, the process runs without the capabilities that
 * let root ignore file permissions, so "permission denied" is real in tests run by root (CI).
 */
export async function startWebHostProcess(env: Record<string, string>): Promise<WebHostProcess> {
  const serve = path.join(REPO, 'out', 'main', 'serve.js');
  const args = [serve, '--port', '0'];
  const child: ChildProcess =
    process.getuid?.() === 0
      ? spawn(
          'setpriv',
          ['--bounding-set', '-dac_override,-dac_read_search', process.execPath, ...args],
          {
            env: { ...process.env, ...env },
          },
        )
      : spawn(process.execPath, args, { env: { ...process.env, ...env } });
  let printed = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`web host printed no URL:\n${printed}`)),
      15_000,
    );
    const onData = (chunk: Buffer): void => {
      printed += chunk.toString();
      const match = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(printed);
      if (match) {
        clearTimeout(timer);
        resolve(match[0]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`web host exited with ${code}:\n${printed}`));
    });
  });
  const parsed = new URL(url);
  return {
    url,
    origin: parsed.origin,
    port: Number(parsed.port),
    token: parsed.searchParams.get('token') ?? '',
    output: () => printed,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
