// The local stand-in for Octavia: an HTTP reverse proxy that spreads requests round robin over the API processes
// that pass a health check on /healthz (checked every second, like the generated HealthMonitor does), streaming
// bodies both ways. A request whose backend refuses the connection is retried once on the next healthy backend
// when nothing of it has been sent yet.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { listenOn } from './ports.js';

export interface Backend {
  id: string;
  port: number;
  healthy: boolean;
  /** Consecutive failed checks; a member is taken out after FAILS_DOWN of them (Octavia's max_retries_down). */
  fails: number;
}

const FAILS_DOWN = 3;

export class Balancer {
  private backends: Backend[] = [];
  private next = 0;
  private server?: http.Server;
  private timer?: NodeJS.Timeout;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  /** Requests answered per backend id (for the page and tests). */
  readonly served = new Map<string, number>();

  add(id: string, port: number, healthy = false): void {
    this.backends.push({ id, port, healthy, fails: 0 });
  }

  remove(id: string): void {
    this.backends = this.backends.filter((b) => b.id !== id);
  }

  healthyCount(): number {
    return this.backends.filter((b) => b.healthy).length;
  }

  isHealthy(id: string): boolean {
    return this.backends.some((b) => b.id === id && b.healthy);
  }

  private pick(exclude?: string): Backend | undefined {
    const healthy = this.backends.filter((b) => b.healthy && b.id !== exclude);
    if (!healthy.length) return undefined;
    this.next = (this.next + 1) % healthy.length;
    return healthy[this.next];
  }

  async checkAll(): Promise<void> {
    await Promise.all(
      this.backends.map(async (b) => {
        let ok = false;
        try {
          const res = await fetch(`http://127.0.0.1:${b.port}/healthz`, { signal: AbortSignal.timeout(5000) });
          await res.arrayBuffer();
          ok = res.ok;
        } catch {
          ok = false;
        }
        // In after one good answer; out only after several bad ones in a row (a busy machine answers late).
        b.fails = ok ? 0 : b.fails + 1;
        if (ok) b.healthy = true;
        else if (b.fails >= FAILS_DOWN) b.healthy = false;
      }),
    );
  }

  async listen(port: number, host = '127.0.0.1', flag = '--port'): Promise<number> {
    this.server = http.createServer((req, res) => this.forward(req, res, undefined));
    this.server.keepAliveTimeout = 5000;
    await listenOn(this.server, port, flag, host);
    let checking = false;
    this.timer = setInterval(() => {
      if (checking) return;
      checking = true;
      void this.checkAll().finally(() => (checking = false));
    }, 1000);
    return (this.server.address() as AddressInfo).port;
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse, tried: string | undefined): void {
    const b = this.pick(tried);
    if (!b) {
      if (!res.headersSent) {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'no healthy API process' }));
      }
      return;
    }
    const up = http.request(
      { host: '127.0.0.1', port: b.port, method: req.method, path: req.url, headers: req.headers, agent: this.agent },
      (upRes) => {
        this.served.set(b.id, (this.served.get(b.id) ?? 0) + 1);
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    let bodyStarted = false;
    up.on('error', (err: NodeJS.ErrnoException) => {
      if (!bodyStarted && tried === undefined && (err.code === 'ECONNREFUSED' || err.code === 'ECONNRESET')) {
        if (err.code === 'ECONNREFUSED') b.healthy = false; // nothing listens: out at once
        return this.forward(req, res, b.id);
      }
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: `backend error: ${err.code ?? err.message}` }));
      } else res.destroy();
    });
    // Bodiless requests (GET, DELETE) can be retried; once a body is piped it cannot.
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'DELETE') {
      up.end();
    } else {
      bodyStarted = true;
      req.pipe(up);
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.agent.destroy();
    if (this.server) {
      this.server.closeAllConnections();
      await new Promise<void>((r) => this.server!.close(() => r()));
    }
  }
}
