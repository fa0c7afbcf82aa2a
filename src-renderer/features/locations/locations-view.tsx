import type { ReactElement } from 'react';

/** Placeholder until the feature lands (being built in this change). */
export function LocationsView(): ReactElement {
  return (
    <section className="page" aria-label="Locations">
      <h1>Locations</h1>
    </section>
  );
}
