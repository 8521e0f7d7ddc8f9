import type { Server } from 'node:http';
import { after } from 'node:test';

/**
 * Test HTTP servers and REST clients a file creates, closed after the file
 * (clients first, so their keep-alive sockets do not hold the servers open).
 */
export function closedAfterFile<C extends { close(): Promise<void> }>(): { servers: Server[]; clients: C[] } {
  const servers: Server[] = [];
  const clients: C[] = [];
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
  });
  return { servers, clients };
}
