import os from 'node:os';
import type { AppInfo } from '../../src-shared/model/app-info';
import { PRODUCT_NAME } from './data-dir';

/** Builds the facts `app:info` answers; pure apart from reading the OS's own values. */
export function buildAppInfo(opts: {
  version: string;
  dataDir: string;
  shell: AppInfo['shell'];
}): AppInfo {
  return {
    name: PRODUCT_NAME,
    version: opts.version,
    platform: process.platform,
    arch: process.arch,
    dataDir: opts.dataDir,
    homeDir: os.homedir(),
    shell: opts.shell,
  };
}
