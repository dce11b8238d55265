/**
 * A deliberately plain HTTP/1.1 client for the NTLM tests: one raw TCP socket,
 * requests written by hand, responses read with the lab's HttpReader. It never
 * reconnects or pools, so "which connection carried which leg" is fully under
 * the test's control.
 */
import net from 'node:net';
import { HttpReader, headerValue, headerValues, serializeRequestHead, type HttpResponseMessage } from '../../harness/http/index.js';

export interface RawResponse {
  status: number;
  body: string;
  wwwAuthenticate: string[];
  reason: string | undefined;
  message: HttpResponseMessage;
}

export class RawConnection {
  private constructor(
    private readonly socket: net.Socket,
    private readonly reader: HttpReader,
  ) {}

  static open(port: number, host = '127.0.0.1'): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port }, () => {
        socket.off('error', reject);
        resolve(new RawConnection(socket, new HttpReader(socket)));
      });
      socket.once('error', reject);
    });
  }

  async request(method: string, target: string, authorization?: string | string[], body = ''): Promise<RawResponse> {
    const headers: [string, string][] = [['Host', 'mp01.corp.ibcm.lab']];
    for (const value of typeof authorization === 'string' ? [authorization] : (authorization ?? [])) headers.push(['Authorization', value]);
    headers.push(['Content-Length', String(Buffer.byteLength(body))]);
    this.socket.write(Buffer.concat([serializeRequestHead({ method, target, version: 'HTTP/1.1', headers }), Buffer.from(body)]));
    const message = await this.reader.readResponse(method);
    if (message === null) throw new Error('connection closed before a response');
    return {
      status: message.status,
      body: message.body.toString('utf8'),
      wwwAuthenticate: headerValues(message.headers, 'www-authenticate'),
      reason: headerValue(message.headers, 'x-ibcm-lab-reason'),
      message,
    };
  }

  get closed(): boolean {
    return this.socket.destroyed;
  }

  close(): void {
    this.socket.destroy();
  }
}
