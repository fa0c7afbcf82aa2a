/*
 * Suggested names for the files the UI saves (reports, presets): readable, portable across file
 * systems (ASCII letters, digits and dashes only), never empty.
 */

const MAX_SLUG_LENGTH = 60;

/**
 * A task name as a file-name part: "Nightly Photos → NAS" -> "nightly-photos-nas". Accents are
 * dropped, anything else becomes a dash; '' becomes `fallback`. Never throws.
 */
export function slugify(name: string, fallback = 'task'): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, MAX_SLUG_LENGTH)
    .replace(/^-+|-+$/g, '');
  return slug === '' ? fallback : slug;
}

/** `yyyymmdd-hhmm` in local time (the user's clock, as a file manager shows times). */
export function compactTimestamp(ms: number): string {
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  return (
    `${d.getFullYear()}${two(d.getMonth() + 1)}${two(d.getDate())}-` +
    `${two(d.getHours())}${two(d.getMinutes())}`
  );
}
