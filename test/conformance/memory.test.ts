import { afterEach, describe, expect, it } from 'vitest';
import {
  MemoryLocation,
  memoryStore,
  resetMemoryStores,
} from '../../src-main/locations/memory/memory-location';
import { AppError } from '../../src-shared/errors';
import { codeOf, collect, describeLocationConformance, source } from './location-conformance';

let counter = 0;

describeLocationConformance('memory', async () => {
  const name = `conformance-${++counter}`;
  const store = memoryStore(name);
  return {
    location: new MemoryLocation(name),
    cleanup: async () => store.clear(),
    putFile: async (path, data) => store.putFile(path, data),
    rawNames: async (folder) => store.childNames(folder).sort(),
  };
});

describe('memory stores', () => {
  const live = (): AbortSignal => new AbortController().signal;
  afterEach(() => resetMemoryStores());

  it('share one tree per name, and keep names apart', async () => {
    const a = new MemoryLocation('shared');
    const b = new MemoryLocation('shared');
    const other = new MemoryLocation('other');
    await a.write('f.txt', source([Buffer.from('hello')]), {}, live());
    expect((await collect(await b.read('f.txt', {}, live()))).toString()).toBe('hello');
    expect(await codeOf(other.stat('f.txt', live()))).toBe('not-found');
    expect(memoryStore('shared').paths()).toEqual(['f.txt']);
  });

  it('forget everything on resetMemoryStores, even for live locations', async () => {
    const location = new MemoryLocation('gone');
    memoryStore('gone').putFile('a/b.txt', 'x');
    expect((await location.stat('a/b.txt', live())).size).toBe(1);
    resetMemoryStores();
    expect(await codeOf(location.stat('a/b.txt', live()))).toBe('not-found');
  });

  it('is not shareable across threads, and keeps the sha256 computed at write', async () => {
    const location = new MemoryLocation('hash');
    expect(location.capabilities.shareableAcrossThreads).toBe(false);
    await location.write('f', source([Buffer.from('abc')]), {}, live());
    expect(await location.storedHash('f', 'sha256', live())).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(await location.storedHash('f', 'md5', live())).toBeNull();
  });
});

describe('memory fault injection', () => {
  const live = (): AbortSignal => new AbortController().signal;
  afterEach(() => resetMemoryStores());
  const unavailable = new AppError('unavailable', 'injected');

  it('fails the next read, list and stat on the path, then recovers', async () => {
    const location = new MemoryLocation('faults');
    const store = memoryStore('faults');
    store.putFile('d/f.txt', 'data');
    store.failNext({ op: 'read', path: 'd/f.txt', error: unavailable });
    store.failNext({ op: 'list', path: 'd', error: unavailable });
    store.failNext({ op: 'stat', path: 'd/f.txt', error: unavailable, times: 2 });
    expect(await codeOf(location.read('d/f.txt', {}, live()))).toBe('unavailable');
    expect(await codeOf(location.list('d', live()))).toBe('unavailable');
    expect(await codeOf(location.stat('d/f.txt', live()))).toBe('unavailable');
    expect(await codeOf(location.stat('d/f.txt', live()))).toBe('unavailable');
    expect(await codeOf(location.stat('d/f.txt', live()))).toBe('resolved');
    expect(await codeOf(location.list('d', live()))).toBe('resolved');
    expect((await collect(await location.read('d/f.txt', {}, live()))).toString()).toBe('data');
    expect(await codeOf(location.stat('d', live()))).toBe('resolved'); // other paths untouched
  });

  it('fails a read stream midway with afterBytes', async () => {
    const location = new MemoryLocation('mid');
    memoryStore('mid').putFile('big', Buffer.alloc(200_000, 1));
    memoryStore('mid').failNext({
      op: 'read',
      path: 'big',
      error: unavailable,
      afterBytes: 100_000,
    });
    const stream = await location.read('big', {}, live());
    let received = 0;
    const failure = await (async () => {
      try {
        for await (const chunk of stream) received += (chunk as Buffer).length;
      } catch (error) {
        return error;
      }
      return null;
    })();
    expect(failure).toBe(unavailable);
    expect(received).toBe(100_000);
  });

  it('fails a write, at the call or midway, leaving nothing', async () => {
    const location = new MemoryLocation('w');
    const store = memoryStore('w');
    store.putFile('keep', 'old');
    store.failNext({ op: 'write', path: 'new', error: unavailable });
    store.failNext({ op: 'write', path: 'keep', error: unavailable, afterBytes: 10 });
    const fresh = source([Buffer.from('0123456789abcdef')]);
    expect(await codeOf(location.write('new', fresh, {}, live()))).toBe('unavailable');
    expect(fresh.destroyed).toBe(true);
    const chunks = [Buffer.alloc(8), Buffer.alloc(8), Buffer.alloc(8)];
    expect(await codeOf(location.write('keep', source(chunks), {}, live()))).toBe('unavailable');
    expect(store.paths()).toEqual(['keep']);
    expect((await collect(await location.read('keep', {}, live()))).toString()).toBe('old');
  });

  it('refuses a fault with times below 1', () => {
    expect(() =>
      memoryStore('x').failNext({ op: 'read', path: 'a', error: unavailable, times: 0 }),
    ).toThrow(RangeError);
  });
});
