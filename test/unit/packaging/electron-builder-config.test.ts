import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config';

// electron-builder downloads Electron and its tools to build installers, which these machines
// cannot; validating the configuration against app-builder-lib's own schema catches what a
// build would reject, without building.
const repo = path.resolve(__dirname, '..', '..', '..');

describe('electron-builder.yml', () => {
  it('passes app-builder-lib schema validation', async () => {
    const config = await getConfig(repo, path.join(repo, 'electron-builder.yml'), null);
    const debug = { isEnabled: false, add: () => undefined } as never;
    await expect(validateConfiguration(config, debug)).resolves.toBeUndefined();
    expect(config.appId).toBe('io.dataferry.desktop');
    expect(config.productName).toBe('DataFerry');
    expect(JSON.stringify(config.files)).toContain('"out/**"');
  });

  it('would reject a configuration the schema does not allow', async () => {
    const config = await getConfig(repo, path.join(repo, 'electron-builder.yml'), null);
    const broken = { ...config, linux: { ...config.linux, notAnOption: true } };
    const debug = { isEnabled: false, add: () => undefined } as never;
    await expect(validateConfiguration(broken as never, debug)).rejects.toThrow(
      /Invalid configuration object/,
    );
  });

  it("sets the Electron fuses that close the runtime's back doors", async () => {
    const config = await getConfig(repo, path.join(repo, 'electron-builder.yml'), null);
    expect(config.asar).toBe(true);
    expect(config.electronFuses).toEqual({
      // ELECTRON_RUN_AS_NODE would turn the signed app into a general Node interpreter.
      runAsNode: false,
      // Chromium's cookie store encrypted with the OS keychain.
      enableCookieEncryption: true,
      // NODE_OPTIONS (--require, NODE_EXTRA_CA_CERTS...) and --inspect / SIGUSR1 ignored.
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      // Only the app.asar whose hash is embedded in the binary is loaded.
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
    // And the schema knows every one of them (a misspelt fuse would silently do nothing).
    const broken = { ...config, electronFuses: { ...config.electronFuses, runAsNod: false } };
    const debug = { isEnabled: false, add: () => undefined } as never;
    await expect(validateConfiguration(broken as never, debug)).rejects.toThrow(
      /Invalid configuration object/,
    );
  });

  it('targets AppImage and deb, dmg and nsis, with icons that exist', async () => {
    const config = await getConfig(repo, path.join(repo, 'electron-builder.yml'), null);
    expect(config.linux?.target).toEqual(['AppImage', 'deb']);
    expect(config.mac?.target).toBe('dmg');
    expect(config.win?.target).toBe('nsis');
    for (const icon of [config.linux?.icon, config.mac?.icon, config.win?.icon]) {
      expect(existsSync(path.join(repo, String(icon))), String(icon)).toBe(true);
    }
    const png = readFileSync(path.join(repo, 'resources', 'icon.png'));
    // PNG IHDR: width and height at bytes 16..24; electron-builder wants at least 512x512.
    expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(512);
    expect(png.readUInt32BE(20)).toBeGreaterThanOrEqual(512);
  });
});
