import type { ReactElement } from 'react';

/** Placeholder until the feature lands (being built in this change). */
export function ExecutionView(props: { executionId: string }): ReactElement {
  return (
    <section className="page" aria-label="Execution">
      <h1>{props.executionId}</h1>
    </section>
  );
}
