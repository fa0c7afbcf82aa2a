import type { ReactElement } from 'react';

/** Placeholder until the feature lands (being built in this change). */
export function LocationBrowserView(props: { locationId: string }): ReactElement {
  return (
    <section className="page" aria-label="Browse location">
      <h1>{props.locationId}</h1>
    </section>
  );
}
