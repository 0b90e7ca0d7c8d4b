import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { HealthService, metricsRegistry } from '@app/http';

/** The worker has no API; it listens only for /health and /metrics on WORKER_HEALTH_PORT. */
@Injectable()
export class HealthServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server: Server | undefined;

  constructor(
    private readonly health: HealthService,
    @Inject(LOOKBACK_CONFIG) private readonly config: LookbackConfig,
  ) {}

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      if (req.method === 'GET' && path === '/health') {
        void this.health.check().then((report) => {
          res.writeHead(report.status === 'ok' ? 200 : 503, { 'content-type': 'application/json' });
          res.end(JSON.stringify(report));
        });
      } else if (req.method === 'GET' && path === '/metrics') {
        void metricsRegistry.metrics().then((text) => {
          res.writeHead(200, { 'content-type': metricsRegistry.contentType });
          res.end(text);
        });
      } else {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'not_found', message: 'Only /health and /metrics live here.' } }));
      }
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.config.workerHealthPort, '0.0.0.0', () => resolve());
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
