import { AsyncLocalStorage } from 'node:async_hooks';
import type { S3Client } from '@aws-sdk/client-s3';

/*
 * The AWS SDK builds a command's middleware chain anew for every request it sends with options
 * (`client.send(command, { abortSignal })`): it instantiates a dozen plugins, copies the client's
 * and the command's stacks, sorts them and composes the handlers. Only without options does it
 * reuse one chain per command class (`cacheMiddleware`), and every request we send carries the
 * caller's abort signal. Here the chain is built once per command class with a stand-in signal
 * that stands for the calling request's own (AsyncLocalStorage), so requests keep their
 * cancellation, the retry middleware's included, and the SDK's shared-context design is the one
 * `cacheMiddleware` already uses (one context per command class and client).
 *
 * A command whose own stack was changed (s3-answer.ts bounds some answers that way) and a
 * request with other options go through the SDK's own send; changing the client's stack drops
 * the cached chains.
 */

type Handler = (command: unknown) => Promise<{ output: unknown }>;
interface ResolvableCommand {
  constructor: new (input: object) => ResolvableCommand;
  middlewareStack: { identify(): string[] };
  resolveMiddleware(stack: unknown, config: unknown, options: unknown): Handler;
}

const requestSignal = new AsyncLocalStorage<AbortSignal | undefined>();
/** The signal each listener was added to: removal may run outside the request's context. */
const listenerOwners = new WeakMap<object, AbortSignal>();

/**
 * What the cached chains and the HTTP handler see as their abort signal: the signal of the
 * request that is running (none: never aborted).
 */
const standInSignal = {
  get aborted(): boolean {
    return requestSignal.getStore()?.aborted ?? false;
  },
  get reason(): unknown {
    return requestSignal.getStore()?.reason;
  },
  addEventListener(type: string, listener: () => void, options?: { once?: boolean }): void {
    const signal = requestSignal.getStore();
    if (!signal) return;
    listenerOwners.set(listener, signal);
    signal.addEventListener(type, listener, options);
  },
  removeEventListener(type: string, listener: () => void): void {
    listenerOwners.get(listener)?.removeEventListener(type, listener);
    listenerOwners.delete(listener);
  },
};

const MUTATORS = ['add', 'addRelativeTo', 'use', 'remove', 'removeByTag'] as const;

/**
 * Makes `client.send` reuse one middleware chain per command class for requests whose only
 * option is an abort signal. Returns the client. Behaviour (requests on the wire, errors,
 * retries, cancellation) is the SDK's; only the per-request building of the chain is saved.
 */
export function withHandlerCache(client: S3Client): S3Client {
  const handlers = new Map<unknown, Handler>();
  const stack = client.middlewareStack as unknown as Record<
    string,
    (...args: unknown[]) => unknown
  >;
  for (const name of MUTATORS) {
    const original = stack[name]?.bind(stack);
    if (!original) continue;
    stack[name] = (...args: unknown[]) => {
      handlers.clear();
      return original(...args);
    };
  }
  const send = client.send.bind(client) as (...args: unknown[]) => Promise<unknown>;
  (client as unknown as { send: (...args: unknown[]) => Promise<unknown> }).send = (
    ...args: unknown[]
  ) => {
    const [command, options, callback] = args as [
      ResolvableCommand,
      { abortSignal?: AbortSignal } | undefined,
      unknown,
    ];
    const onlySignal =
      typeof options === 'object' &&
      options !== null &&
      Object.keys(options).every((key) => key === 'abortSignal');
    if (callback !== undefined || !onlySignal || command.middlewareStack.identify().length > 0)
      return send(...args);
    let handler = handlers.get(command.constructor);
    if (!handler) {
      // Built on an empty command of the class: the chain's context keeps a reference to the
      // command it was built for, which must not hold a request's body.
      const blank = new command.constructor({});
      handler = blank.resolveMiddleware(client.middlewareStack, client.config, {
        abortSignal: standInSignal,
      });
      handlers.set(command.constructor, handler);
    }
    const chain = handler;
    return requestSignal.run(options.abortSignal, () => chain(command)).then((r) => r.output);
  };
  return client;
}
