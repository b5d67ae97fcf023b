/** A loopback TCP port that nothing listens on, for "connection refused" tests. */
import net from 'node:net';

/** Binds 127.0.0.1:0, reads the port the system chose, and releases it. */
export async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
