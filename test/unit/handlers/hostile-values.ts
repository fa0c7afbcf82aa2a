import fc from 'fast-check';
import { ERROR_CODES } from '../../../src-shared/errors';

/*
 * Values a hostile or broken UI could send, and the checks every answer of the contract must
 * pass whatever it was sent. Shared by the contract and web host fuzz tests.
 */

/** 1 MiB of text: larger than any string field the contract accepts. */
export const HUGE_STRING = 'x'.repeat(1024 * 1024);

/** `{a:{a:...}}` `depth` levels deep, built without recursion. */
export function deepObject(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

/** `[[[...]]]` `depth` levels deep. */
export function deepArray(depth: number): unknown[] {
  let value: unknown[] = [];
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/** Names a deep value in fast-check's reports (its own printer would overflow the stack). */
function named<T extends object>(value: T, name: string): T {
  Object.defineProperty(value, fc.toStringMethod, { value: () => name, enumerable: false });
  return value;
}

export const DEEP_OBJECT = named(deepObject(10_000), '<object nested 10,000 levels>');
export const DEEP_ARRAY = named(deepArray(10_000), '<array nested 10,000 levels>');

/** Keys that reach an object's prototype or shadow its methods when code merges carelessly. */
export const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  'isPrototypeOf',
] as const;

/** Values no field of the contract accepts: any request holding one must be invalid-input. */
export const NEVER_VALID: readonly unknown[] = [
  NaN,
  Infinity,
  -Infinity,
  HUGE_STRING,
  DEEP_OBJECT,
  DEEP_ARRAY,
];

/** An object with an own `__proto__` (or other prototype) key, as JSON.parse makes one. */
export const prototypeObject: fc.Arbitrary<unknown> = fc
  .tuple(fc.constantFrom(...PROTOTYPE_KEYS), fc.jsonValue({ maxDepth: 2 }))
  .map(([key, value]) => JSON.parse(`{"${key}": ${JSON.stringify(value)}, "polluted": "yes"}`));

/** Arbitrary keys, prototype keys weighted in. */
export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom(...PROTOTYPE_KEYS) },
);

/** Anything a JavaScript caller could pass: Maps, Dates, typed arrays, null prototypes... */
export const anyValue: fc.Arbitrary<unknown> = fc.anything({
  key: hostileKey,
  maxDepth: 3,
  maxKeys: 5,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withNullPrototype: true,
  withObjectString: true,
  withSet: true,
  withSparseArray: true,
  withTypedArray: true,
});

/** A value to put in place of a field: wrong types, edge numbers, huge and deep values. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    ...NEVER_VALID,
    -0,
    0,
    -1,
    1.5,
    2 ** 53,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    null,
    undefined,
    true,
    false,
    '',
    ' ',
    '\0',
    'a\0b',
    '../../../etc/passwd',
    '/',
    '\u202e\ufeff\ud800',
    [],
    {},
  ),
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.jsonValue({ maxDepth: 3 }),
  prototypeObject,
  anyValue,
);

/** A path into a JSON-like value: the keys and indexes to follow. */
export type FieldPath = (string | number)[];

/** Every path to a field (objects, arrays and leaves) of a plain JSON-like value, root first. */
export function fieldPaths(value: unknown, at: FieldPath = []): FieldPath[] {
  const out: FieldPath[] = [at];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...fieldPaths(v, [...at, i])));
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) out.push(...fieldPaths(v, [...at, k]));
  return out;
}

export type Mutation =
  | { kind: 'replace'; path: FieldPath; value: unknown }
  | { kind: 'remove'; path: FieldPath }
  | { kind: 'extra'; path: FieldPath; key: string; value: unknown };

/** One field of `base` replaced, removed, or an unknown key added to one of its objects. */
export function mutationOf(base: unknown): fc.Arbitrary<Mutation> {
  const paths = fieldPaths(base);
  const objects = paths.filter((p) => isPlainObject(get(base, p)));
  const path = fc.constantFrom(...paths);
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({ kind: fc.constant('replace' as const), path, value: hostileValue }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), path }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('extra' as const),
        path: fc.constantFrom(...(objects.length > 0 ? objects : [[]])),
        // Never a key the schemas know: an extra key must be refused by every strict schema.
        key: hostileKey.map((k) => `${k}~extra`).chain((k) => fc.constantFrom(k, '__proto__')),
        value: hostileValue,
      }),
    },
  );
}

/** `base` (deep-copied) with the mutation applied; prototype keys become own properties. */
export function applyMutation(base: unknown, mutation: Mutation): unknown {
  const copy = structuredClone(base);
  const { path } = mutation;
  if (path.length === 0 && mutation.kind !== 'extra') {
    return mutation.kind === 'replace' ? mutation.value : undefined;
  }
  if (mutation.kind === 'extra') {
    const target = get(copy, path);
    if (!isPlainObject(target)) return copy;
    Object.defineProperty(target, mutation.key, {
      value: mutation.value,
      enumerable: true,
      configurable: true,
      writable: true,
    });
    return copy;
  }
  const parent = get(copy, path.slice(0, -1)) as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (mutation.kind === 'remove') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else {
    parent[last] = mutation.value;
  }
  return copy;
}

function get(value: unknown, path: FieldPath): unknown {
  let at = value;
  for (const key of path) at = (at as Record<string | number, unknown>)[key];
  return at;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Whether a mutation makes a request invalid whatever the schema says about the rest. */
export function surelyInvalid(mutation: Mutation): boolean {
  if (mutation.kind === 'extra') return true;
  return mutation.kind === 'replace' && NEVER_VALID.includes(mutation.value);
}

const STACK_LINE = /\n\s+at /;

/** Every string inside a value (keys too), for checks such as "no stack trace anywhere". */
export function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsIn(v, out);
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      stringsIn(v, out);
    }
  return out;
}

/**
 * Throws (with the reason) unless `answer` is `{ok:true, value}` or `{ok:false, error:{code,
 * message}}` with a known code, a short non-empty message, no stack trace anywhere, and the whole
 * answer serializable as JSON (what the web host sends).
 */
export function assertWellFormed(answer: unknown, label: string): void {
  const fail = (why: string): never => {
    throw new Error(`${label}: ${why}: ${safeJson(answer).slice(0, 500)}`);
  };
  if (!isPlainObject(answer)) fail('not an object');
  const a = answer as Record<string, unknown>;
  if (a.ok === true) {
    if (!('value' in a) || Object.keys(a).length !== 2) fail('ok without exactly a value');
  } else if (a.ok === false) {
    if (Object.keys(a).length !== 2 || !isPlainObject(a.error)) fail('not {ok:false, error}');
    const error = a.error as Record<string, unknown>;
    if (!(ERROR_CODES as readonly unknown[]).includes(error.code)) fail('unknown error code');
    if (typeof error.message !== 'string' || error.message.trim() === '') fail('no message');
    if ((error.message as string).length > 10_000) fail('a message of more than 10,000 characters');
    const extra = Object.keys(error).filter((k) => !['code', 'message', 'details'].includes(k));
    if (extra.length > 0) fail(`unexpected error fields ${extra.join(', ')}`);
    if (error.details !== undefined && !isPlainObject(error.details)) fail('details not an object');
  } else {
    fail('ok is neither true nor false');
  }
  let json = '';
  try {
    json = JSON.stringify(answer);
  } catch (error) {
    fail(`not serializable as JSON (${String(error)})`);
  }
  if (JSON.stringify(JSON.parse(json)) !== json) fail('JSON round trip differs');
  if (stringsIn(answer).some((s) => STACK_LINE.test(s))) fail('a stack trace in the answer');
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return '(unserializable)';
  }
}

/** Rejects with "hung" when `promise` has not settled within `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label}: hung (no answer within ${ms} ms)`)), ms);
  });
  try {
    return await Promise.race([promise, guard]);
  } finally {
    clearTimeout(timer);
  }
}

/** Own property names and descriptors of the built-in prototypes, to prove nothing changed. */
export function prototypeSnapshot(): string {
  const describe = (o: object): string[] =>
    Reflect.ownKeys(o).map((k) => {
      const d = Object.getOwnPropertyDescriptor(o, k);
      const kind = d && 'value' in d ? typeof d.value : 'accessor';
      return `${String(k)}:${kind}`;
    });
  return JSON.stringify({
    object: describe(Object.prototype),
    array: describe(Array.prototype),
    function: describe(Function.prototype),
    string: describe(String.prototype),
    objectProtoOfLiteral: Object.getPrototypeOf({}) === Object.prototype,
  });
}
