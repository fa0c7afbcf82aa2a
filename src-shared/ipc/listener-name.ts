/*
 * Event names to window.api method names. Kept apart from the contract's schemas so the renderer
 * can use it without bundling zod.
 */

type PascalFromKebab<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Capitalize<Head>}${PascalFromKebab<Tail>}`
  : Capitalize<S>;

/** 'app:menu-command' -> 'onAppMenuCommand' */
export type ListenerName<E extends string> = E extends `${infer Domain}:${infer Verb}`
  ? `on${Capitalize<Domain>}${PascalFromKebab<Verb>}`
  : never;

/** The name of the `window.api` method that subscribes to an event. */
export function listenerName<E extends string>(event: E): ListenerName<E> {
  const [domain = '', verb = ''] = event.split(':');
  const pascal = [domain, ...verb.split('-')]
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
  return `on${pascal}` as ListenerName<E>;
}
