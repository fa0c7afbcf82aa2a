import type { ReactElement } from 'react';

/** Placeholder until the feature lands (being built in this change). */
export function HistoryView(): ReactElement {
  return (
    <section className="page" aria-label="History">
      <h1>History</h1>
    </section>
  );
}
