import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { domainOfFsxHost, fsxWindowsConfig } from '../../../src-shared/model/fsx-windows';

describe('FSx for Windows preset', () => {
  it("fills FSx's defaults and takes the domain from the file system's DNS name", () => {
    expect(fsxWindowsConfig({ server: 'amznfsxabcd1234.corp.example.com', user: 'Admin' })).toEqual(
      {
        kind: 'smb',
        server: 'amznfsxabcd1234.corp.example.com',
        port: 445,
        share: 'share',
        path: '',
        domain: 'corp.example.com',
        user: 'Admin',
        version: 'AUTOMATIC',
      },
    );
  });

  it('keeps what the user gave over the defaults', () => {
    const config = fsxWindowsConfig({
      server: 'files.corp.example.com',
      user: 'alice',
      domain: 'CORP',
      share: 'finance',
      path: 'reports/2024',
    });
    expect(config).toMatchObject({ domain: 'CORP', share: 'finance', path: 'reports/2024' });
  });

  it('recognises default FSx names only, and refuses a config without a user', () => {
    expect(domainOfFsxHost('amznfsx0a1b2c3d.ad.example.org')).toBe('ad.example.org');
    expect(domainOfFsxHost('files.example.com')).toBeNull();
    expect(domainOfFsxHost('amznfsxshort.example.com')).toBeNull();
    expect(() =>
      fsxWindowsConfig({ server: 'amznfsxabcd1234.corp.example.com', user: '' }),
    ).toThrow(ZodError);
  });
});
