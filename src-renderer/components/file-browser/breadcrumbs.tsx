import type { ReactElement } from 'react';
import { pathSegments, type PathSegment } from '../../lib/os-path';

/**
 * The path as clickable segments, root first; the last one is where we are. An OS path is split
 * by itself; a location's folders come as `segments` (its name first, then the folders under it).
 */
export function Breadcrumbs(props: {
  path: string;
  onOpen(path: string): void;
  /** The trail to show instead of the OS path's own segments. */
  segments?: readonly PathSegment[];
}): ReactElement {
  const segments = props.segments ?? pathSegments(props.path);
  return (
    <nav className="breadcrumbs" aria-label="Breadcrumb">
      <ol>
        {segments.map((segment, index) => {
          const last = index === segments.length - 1;
          return (
            <li key={segment.path}>
              {last ? (
                <span aria-current="location">{segment.label}</span>
              ) : (
                <button type="button" className="crumb" onClick={() => props.onOpen(segment.path)}>
                  {segment.label}
                </button>
              )}
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
