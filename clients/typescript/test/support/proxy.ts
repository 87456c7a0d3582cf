import { createServer, connect, type Server, type Socket } from 'node:net';

/** A TCP proxy in front of the service whose cable can be pulled and plugged back: a network that drops, then returns. */
export class Cable {
  private readonly sockets = new Set<Socket>();
  private server: Server | null = null;
  private port = 0;

  private constructor(private readonly targetPort: number) {}

  static async to(targetPort: number): Promise<Cable> {
    const cable = new Cable(targetPort);
    await cable.plug();
    return cable;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Listens again, on the same port as before. */
  async plug(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, '127.0.0.1');
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    const address = server.address();
    if (typeof address === 'object' && address !== null) this.port = address.port;
    this.server = server;
  }

  /** Cuts every open connection and refuses new ones. */
  async pull(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.sockets.forEach((s) => s.destroy());
    await new Promise<void>((resolve) => (server === null ? resolve() : server.close(() => resolve())));
  }
}
