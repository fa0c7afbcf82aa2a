import type { ReactElement } from 'react';

/* Small inline icons: no icon font, nothing fetched, CSP-friendly. */

const common = { width: 16, height: 16, viewBox: '0 0 16 16', 'aria-hidden': true } as const;

export function FolderIcon(): ReactElement {
  return (
    <svg {...common} className="icon icon-folder">
      <path d="M1.5 3.5h4.2l1.5 1.6h7.3v8.4h-13z" fill="currentColor" />
    </svg>
  );
}

export function FileIcon(): ReactElement {
  return (
    <svg {...common} className="icon icon-file">
      <path d="M3.5 1.5h6l3 3v10h-9z" fill="none" stroke="currentColor" />
      <path d="M9.5 1.5v3h3" fill="none" stroke="currentColor" />
    </svg>
  );
}

export function LinkIcon(): ReactElement {
  return (
    <svg {...common} className="icon icon-link">
      <path
        d="M6.5 9.5l3-3M5 8l-1.5 1.5a2.1 2.1 0 003 3L8 11M11 8l1.5-1.5a2.1 2.1 0 00-3-3L8 5"
        fill="none"
        stroke="currentColor"
        strokeLinecap="round"
      />
    </svg>
  );
}

export function ArrowIcon({ direction }: { direction: 'left' | 'up' }): ReactElement {
  return (
    <svg {...common} className="icon">
      <path
        d={direction === 'left' ? 'M10 3L5 8l5 5' : 'M3 10l5-5 5 5'}
        fill="none"
        stroke="currentColor"
        strokeWidth="1.6"
        strokeLinecap="round"
      />
    </svg>
  );
}

export function RefreshIcon(): ReactElement {
  return (
    <svg {...common} className="icon">
      <path
        d="M13 8a5 5 0 11-1.5-3.5M13 2.5v3h-3"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.5"
        strokeLinecap="round"
      />
    </svg>
  );
}
