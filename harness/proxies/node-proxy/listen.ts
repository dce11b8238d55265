import type { Server } from 'node:net';

export interface Listening {
  close(): Promise<void>;
}

/** Listen, and close with every open connection (a proxy must never outlive its lab). */
export function listen(server: Server, bind: { host: string; port: number }, what: string): Promise<Listening> {
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `${what} could not listen on ${bind.host}:${bind.port}: ${error.code === 'EADDRINUSE' ? 'address already in use' : error.message} (${error.code})`,
        ),
      ),
    );
    server.listen(bind.port, bind.host, () =>
      resolve({
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      }),
    );
  });
}
