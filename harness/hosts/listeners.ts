// The HTTP(S) listeners of a host (site system, CMG, CDP, Microsoft Update): their options are kept,
// so a command can close them (a host taken down), open them again, or restart them with new TLS
// material (a TLS server reads its certificate and CRL only at start).
import { startSiteServer, type Journal, type SiteHandler, type SiteServerOptions, type StartedSiteServer } from '../http/index.js';
import type { ServerSpec } from './spec.js';

export class HttpListeners {
  private readonly options: SiteServerOptions[];
  private servers: StartedSiteServer[] = [];
  /** Whatever stands on the port instead while the listeners are closed (Microsoft Update's blackhole). */
  private instead: (() => Promise<void>) | undefined;

  constructor(
    name: string,
    servers: ServerSpec[],
    journal: Journal,
    handler: SiteHandler,
    requestFraming?: SiteServerOptions['requestFraming'],
  ) {
    this.options = servers.map((server) => ({
      name,
      host: server.host,
      port: server.port,
      journal,
      handler,
      tls: server.tls,
      requestFraming,
    }));
  }

  /** The first listener's address (where a stand-in listens). */
  get first(): { host: string; port: number } {
    const at = this.options[0]!;
    return { host: at.host, port: at.port };
  }

  async listen(): Promise<void> {
    if (this.servers.length > 0) return;
    const started: StartedSiteServer[] = [];
    try {
      for (const options of this.options) started.push(await startSiteServer(options));
    } catch (error) {
      await Promise.all(started.map((server) => server.close()));
      throw error;
    }
    this.servers = started;
  }

  async stopListening(): Promise<void> {
    const running = this.servers;
    this.servers = [];
    await Promise.all(running.map((server) => server.close()));
    const close = this.instead;
    this.instead = undefined;
    await close?.();
  }

  /** Closed until the next stopListening: `close` is how the stand-in goes. */
  standIn(close: () => Promise<void>): void {
    this.instead = close;
  }

  /** From the next request on, on every listener (and for listeners opened later). */
  setRequestFraming(framing: NonNullable<SiteServerOptions['requestFraming']>): void {
    for (const [index, options] of this.options.entries()) this.options[index] = { ...options, requestFraming: framing };
    for (const server of this.servers) server.setRequestFraming(framing);
  }

  async restartTls(tls: Partial<NonNullable<SiteServerOptions['tls']>>): Promise<void> {
    const wasListening = this.servers.length > 0;
    await this.stopListening();
    for (const [index, options] of this.options.entries())
      if (options.tls) this.options[index] = { ...options, tls: { ...options.tls, ...tls } };
    if (wasListening) await this.listen();
  }
}
