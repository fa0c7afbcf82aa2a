import type { ReactElement } from 'react';

/** Placeholder until the feature lands (being built in this change). */
export function LocationEditor(props: { locationId: string | null }): ReactElement {
  return (
    <section className="page" aria-label="Location">
      <h1>{props.locationId ?? 'New location'}</h1>
    </section>
  );
}
