import net from 'node:net';
import tls from 'node:tls';

/*
 * A TLS terminating proxy on 127.0.0.1 for tests: HTTPS in front of a plain-HTTP test server
 * (fauxqs), with whatever certificate the test wants the client to judge.
 */

export interface TlsProxy {
  port: number;
  /** Connections whose TLS handshake completed (a refused certificate never gets here). */
  handshakes(): number;
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1 (a free port) with `cert` and `key`, and pipes every decrypted connection
 * to 127.0.0.1:`targetPort`. Rejects when it cannot listen.
 */
export async function startTlsProxy(options: {
  keyPem: string;
  certPem: string;
  targetPort: number;
}): Promise<TlsProxy> {
  const open = new Set<net.Socket>();
  let handshakes = 0;
  const server = tls.createServer({ key: options.keyPem, cert: options.certPem }, (client) => {
    handshakes++;
    const upstream = net.connect(options.targetPort, '127.0.0.1');
    open.add(client);
    open.add(upstream);
    const done = (): void => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', done).on('close', done);
    upstream.on('error', done).on('close', done);
    client.pipe(upstream).pipe(client);
  });
  // A client that refuses our certificate aborts the handshake: expected, not a failure.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    handshakes: () => handshakes,
    close: async () => {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
