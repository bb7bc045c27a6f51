/** Free ports for tests and benchmarks that must start servers on known ports. */
import { createServer } from 'node:net';

/** A port nobody listens on now on `host`: bind port 0, read it, let it go. */
export function findFreePort(host = 'localhost'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
