import type { ReactElement } from 'react';

/** Placeholder until the feature lands (being built in this change). */
export function TasksView(): ReactElement {
  return (
    <section className="page" aria-label="Tasks">
      <h1>Tasks</h1>
    </section>
  );
}
