import os from 'node:os';
import path from 'node:path';

export const PRODUCT_NAME = 'DataFerry';

/**
 * Where DataFerry keeps its data when no one says otherwise: the same folder Electron's
 * `app.getPath('userData')` gives for productName DataFerry, so the desktop app, the web host
 * and the CLI share settings and history. DATAFERRY_DATA_DIR overrides it (tests, portable use).
 */
export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  if (env.DATAFERRY_DATA_DIR) return path.resolve(env.DATAFERRY_DATA_DIR);
  switch (platform) {
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), PRODUCT_NAME);
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', PRODUCT_NAME);
    default:
      return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), PRODUCT_NAME);
  }
}
