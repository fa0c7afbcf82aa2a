import type { ReactElement } from 'react';
import type { ErrorInfo } from '../../../../src-shared/errors';
import type { LocationKind } from '../../../../src-shared/model/location-config';

/*
 * What "Test connection" answered, in words: a title that says which kind of problem it is
 * (the user's next step differs: check the network, the password, the name of the share...),
 * then main's own message, which names the server, share, bucket or folder concerned.
 */

export type TestState =
  | { status: 'idle' }
  | { status: 'running' }
  | { status: 'ok'; message: string }
  | { status: 'failed'; error: ErrorInfo };

/** A TLS certificate main could not verify (s3-errors.ts words it "...is not trusted..."). */
export function isCertificateProblem(error: ErrorInfo): boolean {
  return (
    /certificate\b.*\bnot trusted/i.test(error.message) ||
    (typeof error.details?.errno === 'string' && /CERT|SIGNATURE/.test(error.details.errno))
  );
}

/** The title of a failed test, and what to do about it when the message alone does not say. */
export function outcomeTitle(
  error: ErrorInfo,
  kind: LocationKind,
): { title: string; hint?: string } {
  const objectStore = kind === 's3' || kind === 'object-storage';
  if (isCertificateProblem(error)) {
    return {
      title: 'Certificate not trusted',
      hint: 'Paste the certificate of the authority (CA) that issued the server\u2019s certificate in "CA certificate (PEM)", or choose its .pem file.',
    };
  }
  switch (error.code) {
    case 'unavailable':
    case 'timeout':
      return {
        title: 'Cannot reach the server',
        hint: 'Check the server name and port, and that this computer can reach it.',
      };
    case 'auth-failed':
      return objectStore
        ? { title: 'Credentials rejected' }
        : { title: 'Wrong user name or password' };
    case 'not-found':
      return { title: 'Not found' };
    case 'permission-denied':
      return { title: 'Permission denied' };
    case 'not-dir':
      return { title: 'Not a folder' };
    case 'not-supported':
      return { title: 'Not supported' };
    case 'invalid-config':
      // NFS 4.x and EFS: main explains the mount command to use instead.
      return /through a mount/.test(error.message)
        ? { title: 'Not supported: mount it with the system' }
        : { title: 'These settings cannot be used' };
    case 'invalid-input':
      return { title: 'Invalid settings' };
    default:
      return { title: 'The test failed' };
  }
}

/** The outcome under the Test connection button; announced to screen readers as it arrives. */
export function TestOutcome(props: {
  state: TestState;
  kind: LocationKind;
  /** The settings changed since this test ran: the outcome may no longer hold. */
  stale: boolean;
}): ReactElement | null {
  const { state } = props;
  if (state.status === 'idle') return null;
  if (state.status === 'running') {
    return (
      <div className="test-outcome test-running" role="status">
        <span className="spinner" aria-hidden /> Connecting…
      </div>
    );
  }
  const staleNote = props.stale && (
    <p className="test-stale">The settings changed since this test.</p>
  );
  if (state.status === 'ok') {
    return (
      <div className="test-outcome notice notice-ok" role="status" data-testid="test-outcome">
        <strong className="test-title">Connection works</strong>
        <p>{state.message}</p>
        {staleNote}
      </div>
    );
  }
  const { title, hint } = outcomeTitle(state.error, props.kind);
  return (
    <div className="test-outcome notice notice-error" role="alert" data-testid="test-outcome">
      <strong className="test-title">{title}</strong>
      <p className="test-message">{state.error.message}</p>
      {hint && <p className="test-hint">{hint}</p>}
      {staleNote}
    </div>
  );
}
