import type { ReactElement } from 'react';

/**
 * Placeholder until the feature lands (being built in this change): a location picker over a
 * file browser whose folders can be dragged onto a task's source or destination slot.
 */
export function BrowserPane(props: { initialLocationId?: string }): ReactElement {
  return (
    <aside className="browser-pane" aria-label="Browse locations">
      {props.initialLocationId}
    </aside>
  );
}
