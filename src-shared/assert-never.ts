/** Makes a switch over a union exhaustive: the compiler rejects a missing case. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unexpected ${what}: ${JSON.stringify(value)}`);
}
