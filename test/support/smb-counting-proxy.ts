import net from 'node:net';

/*
 * A TCP proxy on 127.0.0.1 in front of an SMB server that counts what the client sends: Direct
 * TCP frames (one per round trip the client starts) and, in frames that are not encrypted, the
 * SMB2 messages of each frame (a compound chain is one frame of several), with their commands
 * and the lengths READ and WRITE requests ask for. Bytes pass through unchanged.
 */

/** One SMB2 request as the proxy saw it. */
export interface SeenRequest {
  command: number;
  /** Its place in its frame's chain (0 for the first) and the frame's number. */
  index: number;
  frame: number;
  /** SMB2_FLAGS_RELATED_OPERATIONS. */
  related: boolean;
  /** READ: Length asked; WRITE: Length sent; 0 otherwise. */
  length: number;
  creditCharge: number;
}

export interface CountingProxy {
  port: number;
  /** Frames the client sent so far (encrypted or not). */
  frames: number;
  /** Requests of the unencrypted frames. */
  requests: SeenRequest[];
  /** Frames that were TRANSFORM_HEADER (encrypted) messages. */
  encryptedFrames: number;
  /** Forgets what was counted so far. */
  reset(): void;
  close(): Promise<void>;
}

const READ = 0x0008;
const WRITE = 0x0009;

/** Starts the proxy in front of 127.0.0.1:`targetPort`. */
export async function startCountingProxy(targetPort: number): Promise<CountingProxy> {
  const sockets = new Set<net.Socket>();
  const proxy: CountingProxy = {
    port: 0,
    frames: 0,
    requests: [],
    encryptedFrames: 0,
    reset() {
      proxy.frames = 0;
      proxy.requests = [];
      proxy.encryptedFrames = 0;
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const count = (frame: Buffer): void => {
    const number = proxy.frames++;
    if (frame.readUInt32LE(0) === 0x424d53fd) {
      proxy.encryptedFrames++;
      return;
    }
    for (let at = 0, index = 0; at + 64 <= frame.length; index++) {
      const command = frame.readUInt16LE(at + 12);
      const flags = frame.readUInt32LE(at + 16);
      const length = command === READ || command === WRITE ? frame.readUInt32LE(at + 64 + 4) : 0;
      proxy.requests.push({
        command,
        index,
        frame: number,
        related: (flags & 0x4) !== 0,
        length,
        creditCharge: frame.readUInt16LE(at + 6),
      });
      const next = frame.readUInt32LE(at + 20);
      if (next === 0) break;
      at += next;
    }
  };
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    sockets.add(client).add(upstream);
    // Chunks kept as they come and joined once a whole frame is there (8 MiB WRITEs arrive
    // in many chunks: joining at each would copy them over and over).
    let chunks: Buffer[] = [];
    let buffered = 0;
    client.on('data', (data) => {
      upstream.write(data);
      chunks.push(data);
      buffered += data.length;
      for (;;) {
        if (buffered < 4) return;
        if (chunks[0]!.length < 4) chunks = [Buffer.concat(chunks)];
        const length = chunks[0]!.readUInt32BE(0) & 0xffffff;
        if (buffered < 4 + length) return;
        const all = Buffer.concat(chunks);
        count(all.subarray(4, 4 + length));
        const rest = all.subarray(4 + length);
        chunks = rest.length ? [rest] : [];
        buffered = rest.length;
      }
    });
    upstream.on('data', (data) => client.write(data));
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.port = (server.address() as net.AddressInfo).port;
  return proxy;
}
