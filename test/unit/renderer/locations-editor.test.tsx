// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SavedLocation } from '../../../src-shared/model/location-config';
import type { ErrorInfo } from '../../../src-shared/errors';

const invoke = vi.fn();
vi.mock('../../../src-renderer/lib/api-client', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  on: () => () => {},
  shellKind: () => 'web',
  pathForFile: () => null,
  onConnectionStatus: () => () => {},
}));

const { LocationEditor } = await import('../../../src-renderer/features/locations/location-editor');
const { outcomeTitle } =
  await import('../../../src-renderer/features/locations/editor/test-outcome');
const { useLocationsStore } = await import('../../../src-renderer/stores/locations-store');
const { useNavStore } = await import('../../../src-renderer/stores/nav-store');

type Handler = (request: unknown) => unknown;

/** Answers each channel with `handlers[channel]`, recording every call in `invoke`. */
function answer(handlers: Record<string, Handler>): void {
  invoke.mockImplementation(async (channel: string, request: unknown) => {
    const handler = handlers[channel];
    if (!handler) return { ok: false, error: { code: 'unknown', message: `no ${channel}` } };
    const value = handler(request);
    return value && typeof value === 'object' && 'ok' in value ? value : { ok: true, value };
  });
}

function callsTo(channel: string): unknown[] {
  return invoke.mock.calls.filter(([c]) => c === channel).map(([, request]) => request);
}

const SAVED_SMB: SavedLocation = {
  id: 'loc-1',
  name: 'Finance share',
  config: {
    kind: 'smb',
    server: 'files.corp',
    port: 445,
    share: 'finance',
    path: '',
    domain: 'CORP',
    user: 'ana',
    version: 'AUTOMATIC',
  },
  secretsSet: ['password'],
  createdAt: 1,
  updatedAt: 1,
};

const type = (label: string, value: string): void => {
  fireEvent.change(screen.getByLabelText(label), { target: { value } });
};
const chooseKind = (title: string): void => {
  fireEvent.click(screen.getByRole('radio', { name: title }));
};

beforeEach(() => {
  invoke.mockReset();
  useLocationsStore.setState({ locations: [], loaded: false, loading: false, error: null });
  useNavStore.setState({ route: { view: 'location-editor', locationId: null }, back: [] });
});
afterEach(cleanup);

describe('the location form', () => {
  it('shows only the chosen kind’s fields', () => {
    answer({ 'locations:list': () => [] });
    render(<LocationEditor locationId={null} />);

    expect(screen.getByLabelText('Folder')).toBeTruthy();
    expect(screen.queryByLabelText('Server')).toBeNull();

    chooseKind('SMB');
    for (const label of ['Server', 'Port', 'Share', 'Domain', 'User', 'Password', 'SMB version']) {
      expect(screen.getByLabelText(label)).toBeTruthy();
    }
    expect(screen.queryByLabelText('Folder')).toBeNull();
    expect(screen.queryByLabelText('Bucket')).toBeNull();

    chooseKind('Amazon S3');
    expect(screen.getByLabelText('Bucket')).toBeTruthy();
    expect(screen.getByLabelText('Storage class')).toBeTruthy();
    expect(screen.queryByLabelText('Server')).toBeNull();
    expect(screen.queryByLabelText('Password')).toBeNull();

    chooseKind('NFS');
    expect(screen.getByLabelText('Export')).toBeTruthy();
    expect(screen.getByLabelText('UID')).toBeTruthy();
    expect(screen.queryByLabelText('Bucket')).toBeNull();

    chooseKind('S3-compatible');
    expect(screen.getByLabelText('CA certificate (PEM)')).toBeTruthy();
    expect(screen.getByLabelText('Secret key')).toBeTruthy();
    expect(screen.queryByLabelText('Export')).toBeNull();
  });

  it('says what is wrong as the user types, and refuses Save until it is right', async () => {
    answer({ 'locations:list': () => [] });
    render(<LocationEditor locationId={null} />);
    chooseKind('SMB');

    const server = screen.getByLabelText('Server');
    expect(server.getAttribute('aria-invalid')).toBe('false');
    type('Server', 'files.corp');
    type('Server', '');
    expect(server.getAttribute('aria-invalid')).toBe('true');
    const message = document.getElementById(
      server.getAttribute('aria-describedby')?.split(' ')[0] ?? '',
    );
    expect(message?.textContent).toBe('A server is required');

    type('Port', '70000');
    expect(screen.getByText('At most 65535')).toBeTruthy();
    type('Port', 'abc');
    expect(screen.getByText('Type a whole number')).toBeTruthy();
    // Untouched fields stay quiet until a Save attempt.
    expect(screen.queryByText('A share is required')).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(screen.getByText('A share is required')).toBeTruthy();
    expect(screen.getByText('A user is required')).toBeTruthy();
    expect(screen.getByText('A name is required')).toBeTruthy();
    expect(screen.getByLabelText('Share').getAttribute('aria-invalid')).toBe('true');
    expect(callsTo('locations:create')).toEqual([]);

    type('Name', 'Finance');
    type('Server', 'files.corp');
    type('Port', '');
    type('Share', 'finance');
    type('User', 'ana');
    type('Password', 'pa55');
    answer({
      'locations:list': () => [],
      'locations:create': () => ({ ...SAVED_SMB, id: 'new' }),
    });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(useNavStore.getState().route).toEqual({ view: 'locations' }));
    expect(callsTo('locations:create')).toEqual([
      {
        name: 'Finance',
        config: {
          kind: 'smb',
          server: 'files.corp',
          port: 445,
          share: 'finance',
          path: '',
          domain: '',
          user: 'ana',
          version: 'AUTOMATIC',
        },
        secrets: { password: 'pa55' },
      },
    ]);
  });

  it('never shows a saved secret and sends one only when typed', async () => {
    answer({
      'locations:get': () => SAVED_SMB,
      'locations:list': () => [SAVED_SMB],
      'locations:update': () => SAVED_SMB,
    });
    render(<LocationEditor locationId="loc-1" />);
    const password = (await screen.findByLabelText('Password')) as HTMLInputElement;
    expect(password.value).toBe('');
    expect(password.placeholder).toBe('Saved — type to replace');
    expect(password.type).toBe('password');

    type('Name', 'Finance (old server)');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(callsTo('locations:update')).toHaveLength(1));
    expect(callsTo('locations:update')[0]).toEqual({
      id: 'loc-1',
      name: 'Finance (old server)',
      config: SAVED_SMB.config,
    });

    type('Password', 'n3w');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(callsTo('locations:update')).toHaveLength(2));
    expect(callsTo('locations:update')[1]).toEqual({
      id: 'loc-1',
      name: 'Finance (old server)',
      config: SAVED_SMB.config,
      secrets: { password: 'n3w' },
    });
  });

  it('tests a saved location by id when nothing changed, else by id with the edited settings', async () => {
    const failure: ErrorInfo = {
      code: 'auth-failed',
      message: 'Logon failure: STATUS_LOGON_FAILURE (SMB //files.corp/finance)',
    };
    answer({
      'locations:get': () => SAVED_SMB,
      'locations:list': () => [SAVED_SMB],
      'locations:test': () => ({ ok: false, error: failure }),
    });
    render(<LocationEditor locationId="loc-1" />);
    await screen.findByLabelText('Password');

    fireEvent.click(screen.getByRole('button', { name: 'Test connection' }));
    const outcome = await screen.findByTestId('test-outcome');
    expect(callsTo('locations:test')).toEqual([{ id: 'loc-1' }]);
    expect(outcome.textContent).toContain('Wrong user name or password');
    expect(outcome.textContent).toContain(failure.message);

    type('Share', 'archive');
    type('Password', 'typed');
    answer({
      'locations:list': () => [SAVED_SMB],
      'locations:test': () => ({ message: 'Connected to SMB //files.corp/archive: 3 entries' }),
    });
    fireEvent.click(screen.getByRole('button', { name: 'Test connection' }));
    await waitFor(() =>
      expect(screen.getByTestId('test-outcome').textContent).toContain('Connection works'),
    );
    expect(callsTo('locations:test').at(-1)).toEqual({
      id: 'loc-1',
      config: { ...SAVED_SMB.config, share: 'archive' },
      secrets: { password: 'typed' },
    });
    expect(screen.getByTestId('test-outcome').textContent).toContain('3 entries');
  });

  it('derives the FSx domain from the file system’s DNS name until one is typed', () => {
    answer({ 'locations:list': () => [] });
    render(<LocationEditor locationId={null} />);
    chooseKind('Amazon FSx for Windows');

    expect((screen.getByLabelText('Share') as HTMLInputElement).value).toBe('share');
    expect((screen.getByLabelText('Port') as HTMLInputElement).value).toBe('445');
    type('File system DNS name', 'amznfsxabcd1234.corp.example.com');
    expect((screen.getByLabelText('Domain') as HTMLInputElement).value).toBe('corp.example.com');
    type('File system DNS name', 'amznfsxzzzz9999.emea.example.org');
    expect((screen.getByLabelText('Domain') as HTMLInputElement).value).toBe('emea.example.org');

    type('Domain', 'CORP');
    type('File system DNS name', 'amznfsxabcd1234.corp.example.com');
    expect((screen.getByLabelText('Domain') as HTMLInputElement).value).toBe('CORP');
  });

  it('shows the EFS mount command and saves the mount point as a local folder', async () => {
    answer({ 'locations:list': () => [], 'locations:create': () => SAVED_SMB });
    render(<LocationEditor locationId={null} />);
    chooseKind('Amazon EFS');
    type('Name', 'EFS');
    type('File system', 'fs-0123456789abcdef0.efs.eu-west-1.amazonaws.com');
    expect((screen.getByLabelText('Region') as HTMLInputElement).value).toBe('eu-west-1');
    expect(document.querySelector('.mount-command code')?.textContent).toContain(
      'mount -t nfs4 -o nfsvers=4.1',
    );
    fireEvent.click(screen.getByRole('button', { name: 'Save as local folder' }));
    await waitFor(() => expect(callsTo('locations:create')).toHaveLength(1));
    expect(callsTo('locations:create')[0]).toEqual({
      name: 'EFS',
      config: { kind: 'local', path: '/mnt/efs' },
    });
  });

  it('tells bucket listing refusals apart: type the name instead', async () => {
    answer({
      'locations:list': () => [],
      'locations:buckets': () => ({
        ok: false,
        error: { code: 'permission-denied', message: 'Access denied (AccessDenied)' },
      }),
    });
    render(<LocationEditor locationId={null} />);
    chooseKind('Amazon S3');
    fireEvent.click(screen.getByRole('button', { name: 'List buckets' }));
    expect((await screen.findByRole('alert')).textContent).toContain(
      'These credentials may not list buckets: type the name',
    );
  });
});

describe('Test connection titles', () => {
  const error = (code: ErrorInfo['code'], message = 'm'): ErrorInfo => ({ code, message });

  it('names each kind of failure', () => {
    expect(outcomeTitle(error('unavailable'), 'smb').title).toBe('Cannot reach the server');
    expect(outcomeTitle(error('timeout'), 'nfs').title).toBe('Cannot reach the server');
    expect(outcomeTitle(error('auth-failed'), 'smb').title).toBe('Wrong user name or password');
    expect(outcomeTitle(error('auth-failed'), 's3').title).toBe('Credentials rejected');
    expect(outcomeTitle(error('auth-failed'), 'object-storage').title).toBe('Credentials rejected');
    expect(outcomeTitle(error('not-found'), 'smb').title).toBe('Not found');
    expect(outcomeTitle(error('permission-denied'), 's3').title).toBe('Permission denied');
    expect(outcomeTitle(error('not-supported'), 'nfs').title).toBe('Not supported');
  });

  it('recognises an untrusted certificate as s3-errors words it', () => {
    const tls = error(
      'invalid-config',
      'The server\'s certificate at https://minio.lan:9000 is not trusted (self-signed certificate; DEPTH_ZERO_SELF_SIGNED_CERT): add the certificate of the CA that issued it in the location\'s "CA certificate (PEM)" field',
    );
    const outcome = outcomeTitle(tls, 'object-storage');
    expect(outcome.title).toBe('Certificate not trusted');
    expect(outcome.hint).toContain('CA certificate (PEM)');
    expect(
      outcomeTitle(
        { code: 'invalid-config', message: 'x', details: { errno: 'CERT_HAS_EXPIRED' } },
        'object-storage',
      ).title,
    ).toBe('Certificate not trusted');
  });

  it('explains NFS 4 and EFS as needing a system mount', () => {
    const nfs4 = error(
      'invalid-config',
      'NFS 4.1 is reached through a mount: run "sudo mount ..."',
    );
    expect(outcomeTitle(nfs4, 'nfs').title).toBe('Not supported: mount it with the system');
  });
});
