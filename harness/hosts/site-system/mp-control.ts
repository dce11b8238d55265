// The management point's own availability check (MPControl.log; seed 001 "site system
// certificates", requirement PKI-MPCONTROL): the site system calls its MP over HTTPS, as the MP's
// clients do, and must present a client certificate of its own — an HTTPS-only MP requires one.
// It runs on the site system's host, inside the site, never through the proxy under test.
import net from 'node:net';
import tls from 'node:tls';
import { HttpReader, serializeRequestHead } from '../../http/index.js';

export interface MpControlTarget {
  /** The MP's host name in the lab (its journal's name). */
  managementPoint: string;
  /** Where the check runs from: the site system's own address. */
  fromAddress: string;
  host: string;
  port: number;
  /** The name the MP's certificate carries (its intranet FQDN). */
  serverName: string;
  siteCode: string;
  /** Roots that verify the MP's server certificate. */
  caPem: string;
}

export interface MpControlResult {
  managementPoint: string;
  from: string;
  url: string;
  /** The client certificate the check presented, or null. */
  certificate: { subject: string; serialNumber: string } | null;
  status?: number;
  /** Why the MP refused or the connection failed (the MP's 403 text, or a TLS error). */
  detail?: string;
  error?: string;
  /** What MPControl would log: the MP answered 200 to the availability call. */
  healthy: boolean;
}

export async function mpControlCheck(
  target: MpControlTarget,
  certificate: { keyPem: string; chainPem: string; subject: string; serialNumber: string } | null,
  timeoutMs = 5000,
): Promise<MpControlResult> {
  const path = `/SMS_MP/.sms_aut?MPLIST1&${target.siteCode}`;
  const result: MpControlResult = {
    managementPoint: target.managementPoint,
    from: target.fromAddress,
    url: `https://${target.serverName}:${target.port}${path}`,
    certificate: certificate ? { subject: certificate.subject, serialNumber: certificate.serialNumber } : null,
    healthy: false,
  };
  let socket: tls.TLSSocket | undefined;
  try {
    socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
      // The TCP leg first, so it leaves from the site system's own address.
      const tcp = net.connect({ host: target.host, port: target.port, localAddress: target.fromAddress });
      const connection = tls.connect({
        socket: tcp,
        servername: target.serverName,
        ca: target.caPem,
        key: certificate?.keyPem,
        cert: certificate?.chainPem,
        rejectUnauthorized: true,
      });
      tcp.once('error', (error) => connection.destroy(error));
      const timer = setTimeout(() => connection.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      connection.once('secureConnect', () => {
        clearTimeout(timer);
        resolve(connection);
      });
      connection.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    const reader = new HttpReader(socket);
    socket.write(
      serializeRequestHead({
        method: 'GET',
        target: path,
        version: 'HTTP/1.1',
        headers: [
          ['Host', `${target.serverName}:${target.port}`],
          ['User-Agent', 'SMS CCM 5.0'],
          ['Connection', 'close'],
        ],
      }),
    );
    const response = await reader.readResponse('GET');
    if (!response) throw new Error('the MP closed the connection without answering');
    result.status = response.status;
    if (response.status !== 200) result.detail = response.body.toString('latin1').trim().slice(0, 200);
    result.healthy = response.status === 200;
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    result.error = `${err.code ?? err.name}: ${err.message}`;
  } finally {
    socket?.destroy();
  }
  return result;
}
