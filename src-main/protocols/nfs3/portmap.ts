import { RpcClient, RpcConnectionError } from './rpc-client';

/*
 * The portmapper, version 2 (RFC 1833, section 3): which TCP port a server's NFS or MOUNT
 * program listens on, asked of port 111. rpcbind answers version 2 as well as 3 and 4.
 */

const PORTMAP_PROGRAM = 100000;
const PORTMAP_V2 = 2;
const PMAPPROC_GETPORT = 3;
const IPPROTO_TCP = 6;
export const PORTMAP_PORT = 111;

/** The program is not registered with the portmapper (`port` 0 in its answer). */
export class NotRegisteredError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotRegisteredError';
  }
}

export interface GetPortOptions {
  host: string;
  /** Where the portmapper listens; 111 unless a test says otherwise. */
  portmapPort?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * The TCP port of `program` `version` on `host`, by PMAPPROC_GETPORT. Throws
 * NotRegisteredError when the server does not offer it, RpcConnectionError when no portmapper
 * answers (the message says to give the port instead), and what RpcClient.call throws.
 */
export async function getPort(
  program: number,
  version: number,
  options: GetPortOptions,
): Promise<number> {
  const portmapPort = options.portmapPort ?? PORTMAP_PORT;
  const rpc = new RpcClient({
    host: options.host,
    port: portmapPort,
    timeoutMs: options.timeoutMs ?? 10_000,
    maxConnects: 1,
  });
  try {
    const xdr = await rpc
      .call(
        PORTMAP_PROGRAM,
        PORTMAP_V2,
        PMAPPROC_GETPORT,
        (w) => void w.uint32(program).uint32(version).uint32(IPPROTO_TCP).uint32(0),
        options.signal,
      )
      .catch((error: unknown) => {
        if (error instanceof RpcConnectionError && error.reason === 'unreachable') {
          throw new RpcConnectionError(
            'unreachable',
            `${error.message}: no portmapper (rpcbind) answers on ${options.host}:${portmapPort}; give the server's ports instead`,
          );
        }
        throw error;
      });
    const port = xdr.uint32();
    if (port === 0 || port > 65535) {
      throw new NotRegisteredError(
        `${options.host} does not offer RPC program ${program} version ${version} over TCP (portmapper)`,
      );
    }
    return port;
  } finally {
    rpc.close();
  }
}
