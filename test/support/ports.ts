import { createServer, type Server } from 'node:net';

/** Holds `port` on 127.0.0.1 (0: one the OS picks) so that a process under test finds it taken. */
export function occupy(port: number): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
