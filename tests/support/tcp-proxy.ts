import { createServer, connect, type Socket } from 'node:net';

/** A TCP forwarder a test puts between a client and a real server to break the link on purpose. */
export interface TcpProxy {
  /** The loopback port clients connect to. */
  readonly port: number;
  /**
   * Destroys every open connection (with a reset, as a crashed peer would) and resets each new
   * one until resume(): the client sees the server vanish and then refuse.
   */
  pause(): void;
  /**
   * Keeps every connection open and accepts new ones, but forwards no byte either way until
   * resume(): a black hole, as behind a dead router. Held bytes are delivered on resume().
   */
  stall(): void;
  /**
   * Resets the next connection whose client sends bytes containing `marker`, instead of forwarding
   * them: the server dies at exactly that step of the conversation. Once only.
   */
  resetWhenClientSends(marker: string): void;
  /** Forwards again after pause() or stall(). */
  resume(): void;
  /** Destroys every connection and stops listening. */
  close(): Promise<void>;
}

export interface TcpProxyOptions {
  targetPort: number;
  /** Default 127.0.0.1. */
  targetHost?: string;
}

type Mode = 'open' | 'paused' | 'stalled';

/** A pair of sockets joined by hand (not pipe()) so stall() can hold bytes without losing them. */
function join(client: Socket, upstream: Socket, mode: () => Mode, held: Array<() => void>, cutBefore: (chunk: Buffer) => boolean) {
  const forward = (from: Socket, to: Socket) =>
    from.on('data', (chunk: Buffer) => {
      if (from === client && cutBefore(chunk)) return void client.resetAndDestroy();
      const send = () => void (to.destroyed || to.write(chunk));
      if (mode() === 'stalled') held.push(send);
      else send();
    });
  forward(client, upstream);
  forward(upstream, client);
  // A reset on one side becomes a reset on the other, so the client sees what the server did.
  const mirror = (from: Socket, to: Socket) => {
    from.on('error', () => void (to.destroyed || to.resetAndDestroy()));
    from.on('end', () => void (to.destroyed || to.end()));
    from.on('close', () => void (to.destroyed || to.destroy()));
  };
  mirror(client, upstream);
  mirror(upstream, client);
}

/** Listens on a random loopback port and forwards each connection to `targetHost:targetPort`. */
export async function startTcpProxy({ targetPort, targetHost = '127.0.0.1' }: TcpProxyOptions): Promise<TcpProxy> {
  let mode: Mode = 'open';
  const sockets = new Set<Socket>();
  const held: Array<() => void> = [];
  let cutMarker: string | null = null;
  const cutBefore = (chunk: Buffer) => {
    if (cutMarker === null || !chunk.includes(cutMarker)) return false;
    cutMarker = null;
    return true;
  };

  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };

  const server = createServer((client) => {
    if (mode === 'paused') return void client.resetAndDestroy();
    track(client);
    const upstream = connect({ port: targetPort, host: targetHost });
    track(upstream);
    join(client, upstream, () => mode, held, cutBefore);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('tcp proxy: no port');

  const destroyAll = () => {
    for (const socket of sockets) socket.resetAndDestroy();
    sockets.clear();
    held.length = 0;
  };

  return {
    port: address.port,
    pause() {
      mode = 'paused';
      destroyAll();
    },
    stall() {
      mode = 'stalled';
    },
    resetWhenClientSends(marker) {
      cutMarker = marker;
    },
    resume() {
      mode = 'open';
      for (const send of held.splice(0)) send();
    },
    async close() {
      mode = 'paused';
      destroyAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
