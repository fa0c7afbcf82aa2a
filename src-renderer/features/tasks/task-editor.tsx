import type { ReactElement } from 'react';
import type { Route } from '../../stores/nav-store';

/** Placeholder until the feature lands (being built in this change). */
export function TaskEditor(props: {
  route: Extract<Route, { view: 'task-editor' }>;
}): ReactElement {
  return (
    <section className="page" aria-label="Task editor">
      <h1>{props.route.taskId ?? 'New task'}</h1>
    </section>
  );
}
