import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// Proves the lint configuration enforces docs/architecture.md's layering: each case is a file
// that breaks one rule, linted as if it lived at that path. `npm test` runs lint over the real
// tree, so a real violation fails it the same way.
const eslint = new ESLint({ cwd: path.resolve(__dirname, '..', '..', '..') });

async function ruleIdsFor(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe('layering lint', () => {
  it.each([
    [
      'engine imports electron',
      'src-main/engine/plan.ts',
      "import { app } from 'electron';\nexport const x = app;\n",
    ],
    [
      'a service imports electron',
      'src-main/services/task-service.ts',
      "import { shell } from 'electron';\nexport const x = shell;\n",
    ],
    [
      'the web host imports electron',
      'src-main/host/web-host-extra.ts',
      "import { app } from 'electron';\nexport const x = app;\n",
    ],
    [
      'the renderer imports main',
      'src-renderer/features/x.ts',
      "import { listLocalFolder } from '../../src-main/services/local-folder-service';\nexport const x = listLocalFolder;\n",
    ],
    [
      'the renderer imports Node',
      'src-renderer/features/x.ts',
      "import { readFile } from 'node:fs/promises';\nexport const x = readFile;\n",
    ],
    [
      'the renderer imports electron',
      'src-renderer/features/x.ts',
      "import { ipcRenderer } from 'electron';\nexport const x = ipcRenderer;\n",
    ],
    [
      'src-shared imports main',
      'src-shared/model/x.ts',
      "import { dispatch } from '../../src-main/handlers/dispatch';\nexport const x = dispatch;\n",
    ],
    [
      'src-shared imports Node',
      'src-shared/model/x.ts',
      "import path from 'node:path';\nexport const x = path;\n",
    ],
    [
      'a protocol imports the app',
      'src-main/protocols/smb2/client.ts',
      "import { AppError } from '../../../src-shared/errors';\nexport const x = AppError;\n",
    ],
    [
      'a protocol imports a location',
      'src-main/protocols/nfs3/client.ts',
      "import { mapFsError } from '../../locations/local/map-fs-error';\nexport const x = mapFsError;\n",
    ],
    [
      'app code other than ipc-main touches ipcMain',
      'src-main/app/window.ts',
      "import { ipcMain } from 'electron';\nexport const x = ipcMain;\n",
    ],
  ])('fails when %s', async (_what, filePath, code) => {
    expect(await ruleIdsFor(filePath, code)).toContain('no-restricted-imports');
  });

  it('fails when renderer code other than the api client touches window.api', async () => {
    const ids = await ruleIdsFor('src-renderer/features/x.ts', 'export const x = window.api;\n');
    expect(ids).toContain('no-restricted-syntax');
  });

  it.each([
    [
      'app/ imports electron',
      'src-main/app/window.ts',
      "import { BrowserWindow } from 'electron';\nexport const x = BrowserWindow;\n",
    ],
    [
      'ipc-main imports ipcMain',
      'src-main/app/ipc-main.ts',
      "import { ipcMain } from 'electron';\nexport const x = ipcMain;\n",
    ],
    [
      'the renderer imports src-shared',
      'src-renderer/features/x.ts',
      "import { ERROR_CODES } from '../../src-shared/errors';\nexport const x = ERROR_CODES;\n",
    ],
    [
      'the api client uses window.api',
      'src-renderer/lib/api-client.ts',
      'export const x = window.api;\n',
    ],
  ])('allows %s', async (_what, filePath, code) => {
    expect(await ruleIdsFor(filePath, code)).toEqual([]);
  });
});
