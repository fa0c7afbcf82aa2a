import type { ReactElement } from 'react';
import type { LocationKind } from '../../../src-shared/model/location-config';
import './kind-icon.css';

/* One small inline icon per location kind (no icon font, CSP-friendly), coloured by CSS. */

const common = { width: 20, height: 20, viewBox: '0 0 20 20', 'aria-hidden': true } as const;

/** A folder for local, a server for SMB/NFS, a bucket for S3 and S3-compatible storage. */
export function KindIcon(props: { kind: LocationKind }): ReactElement {
  switch (props.kind) {
    case 'local':
    case 'memory':
      return (
        <svg {...common} className="kind-icon kind-icon-local">
          <path d="M2.5 4.5h5.2l1.8 2h8v9h-15z" fill="currentColor" />
        </svg>
      );
    case 'smb':
    case 'nfs':
      return (
        <svg {...common} className={`kind-icon kind-icon-${props.kind}`}>
          <rect x="3" y="3" width="14" height="5.5" rx="1.2" fill="none" stroke="currentColor" />
          <rect x="3" y="11.5" width="14" height="5.5" rx="1.2" fill="none" stroke="currentColor" />
          <circle cx="6" cy="5.75" r="1" fill="currentColor" />
          <circle cx="6" cy="14.25" r="1" fill="currentColor" />
          <path d="M10 5.75h4.5M10 14.25h4.5" stroke="currentColor" strokeLinecap="round" />
        </svg>
      );
    case 's3':
    case 'object-storage':
      return (
        <svg {...common} className={`kind-icon kind-icon-${props.kind}`}>
          <ellipse cx="10" cy="5" rx="6.5" ry="2.2" fill="none" stroke="currentColor" />
          <path
            d="M3.5 5l1.6 10.6c.2 1.2 2.4 2 4.9 2s4.7-.8 4.9-2L16.5 5"
            fill="none"
            stroke="currentColor"
          />
        </svg>
      );
  }
}
