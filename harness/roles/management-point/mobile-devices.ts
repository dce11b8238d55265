// The management point as mobile devices enrolled by ConfigMgr meet it (seed 000, "SSL bridging to
// SSL": "Mobile devices that are enrolled by Configuration Manager do not support SSL bridging").
//
// Why a bridge breaks them — the documentation gives no reason; the lab models the one its own text
// points at [INFER]: a computer client's identity "is securely contained in the packet payload so
// that the management point does not consider the proxy web server to be the client", an enrolled
// device's is not — it is the certificate the device was given at enrollment, presented in TLS. A
// bridge terminates that TLS and opens its own with its own client certificate, so the MP sees the
// bridge, not the device, and refuses it; a tunnel passes the device's own handshake through.
//
// The device protocol itself is not public; `/DeviceManagement/Sync` is the lab's endpoint and
// carries only what the requirement turns on: who the MP takes the caller for.
import type { SiteHandler, SiteRequest, SiteResponse } from '../../http/index.js';

export const MOBILE_DEVICE_SYNC_PATH = '/DeviceManagement/Sync';

/** The DNS label under which the lab enrolls devices: `CN=<device>.devices.<intranet domain>`. */
export const ENROLLED_DEVICE_LABEL = 'devices';

export interface MobileDeviceEndpointOptions {
  /** Is this certificate subject one the site enrolled as a device? */
  isEnrolledDevice: (subject: string) => boolean;
}

/** The MP's handler with the enrolled devices' endpoint in front of it. */
export function withMobileDeviceEndpoint(managementPoint: SiteHandler, options: MobileDeviceEndpointOptions): SiteHandler {
  return (request: SiteRequest): SiteResponse | Promise<SiteResponse> => {
    if (request.target.split('?')[0]!.toLowerCase() !== MOBILE_DEVICE_SYNC_PATH.toLowerCase()) return managementPoint(request);
    const peer = request.connection.tls?.peerCertificate;
    if (!peer) return { status: 403, headers: [['Content-Type', 'text/plain']], body: '403.7 - Client certificate required.' };
    if (!options.isEnrolledDevice(peer.subject))
      return { status: 403, headers: [['Content-Type', 'text/plain']], body: `403.16 - ${peer.subject} is not an enrolled mobile device.` };
    return {
      status: 200,
      headers: [['Content-Type', 'text/xml']],
      body: `<DeviceSyncReply Status="OK"><Device Subject="${peer.subject.replace(/"/g, '&quot;')}" Serial="${peer.serialNumber}"/></DeviceSyncReply>`,
    };
  };
}
