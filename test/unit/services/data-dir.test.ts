import { describe, expect, it } from 'vitest';
import { defaultDataDir } from '../../../src-main/services/data-dir';

describe('defaultDataDir', () => {
  it('matches Electron userData on each platform', () => {
    expect(defaultDataDir({}, 'linux', '/home/u')).toBe('/home/u/.config/DataFerry');
    expect(defaultDataDir({ XDG_CONFIG_HOME: '/xdg' }, 'linux', '/home/u')).toBe('/xdg/DataFerry');
    expect(defaultDataDir({}, 'darwin', '/Users/u')).toBe(
      '/Users/u/Library/Application Support/DataFerry',
    );
    expect(
      defaultDataDir({ APPDATA: 'C:/Users/u/AppData/Roaming' }, 'win32', 'C:/Users/u'),
    ).toMatch(/AppData[\\/]Roaming[\\/]DataFerry$/);
  });

  it('obeys DATAFERRY_DATA_DIR', () => {
    expect(defaultDataDir({ DATAFERRY_DATA_DIR: '/tmp/df' }, 'linux', '/home/u')).toBe('/tmp/df');
  });
});
