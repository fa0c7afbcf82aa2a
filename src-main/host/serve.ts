import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { EventBus } from '../events/event-bus';
import { createHandlers } from '../handlers/create-handlers';
import { buildAppInfo } from '../services/app-info-service';
import { createAppServices } from '../services/app-services';
import { defaultDataDir } from '../services/data-dir';
import { createFileKeySecretBox } from '../store/secret-box';
import { startWebHost } from './web-host';

/**
 * `npm run serve`: the DataFerry UI for a machine without a desktop. Plain Node, no Electron.
 * Usage: node out/main/serve.js [--port N]   (default: a free port)
 */
async function main(argv: string[]): Promise<void> {
  const port = parsePort(argv);
  const appRoot = path.resolve(__dirname, '..', '..');
  const dataDir = defaultDataDir();
  await mkdir(dataDir, { recursive: true });
  const version = (
    JSON.parse(readFileSync(path.join(appRoot, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
  const log = { error: (message: string, error: unknown) => console.error(message, error) };
  const bus = new EventBus();
  const services = createAppServices({
    dataDir,
    secretBox: createFileKeySecretBox(dataDir),
    bus,
    schedule: true,
    log: (message) => console.log(message),
  });
  const host = await startWebHost({
    handlers: createHandlers({
      appInfo: buildAppInfo({ version, dataDir, shell: 'web' }),
      services,
    }),
    bus,
    rendererDir: path.join(appRoot, 'out', 'renderer'),
    port,
    log,
  });
  process.stdout.write(
    `DataFerry ${version} web host, listening on 127.0.0.1 only (data: ${dataDir}).\n` +
      `Open this URL in a browser on this machine; the token in it is the key:\n${host.url}\n`,
  );
  const stop = (): void => {
    void host
      .close()
      .then(() => services.close())
      .then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function parsePort(argv: string[]): number {
  const index = argv.indexOf('--port');
  if (index === -1) return 0;
  const value = Number(argv[index + 1]);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new Error(`--port needs a number from 0 to 65535, not "${argv[index + 1] ?? ''}"`);
  }
  return value;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const reason = error instanceof Error ? error.message : String(error);
  process.stderr.write(`dataferry serve: ${reason}\n`);
  process.exit(1);
});
