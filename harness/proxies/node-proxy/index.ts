// The Node reference proxy, started from a proxy contract exactly as any vendor's proxy would be:
// it reads the contract and the files it names, and knows nothing else of the lab.
import type { ProxyContract } from '../contract/schema.js';
import type { StartedProxy } from '../types.js';
import { startBridge } from './bridge.js';
import { startForward } from './forward.js';
import type { NodeProxyFaults } from './faults.js';
import type { Listening } from './listen.js';
import { ProxyLog } from './log.js';
import { startTunnel } from './tunnel.js';

export type { NodeProxyFaults } from './faults.js';

export async function startNodeProxy(contract: ProxyContract, faults: NodeProxyFaults = {}): Promise<StartedProxy> {
  const log = new ProxyLog(contract.logs.dir);
  const listening: Listening[] = [];
  try {
    if (contract.mode === 'forward') {
      listening.push(await startForward(contract, log, faults));
      log.write(
        `forward: listening on ${contract.forwardProxy!.bind.host}:${contract.forwardProxy!.bind.port}, CONNECT to ports ${contract.forwardProxy!.allowedPorts.join(', ')}`,
      );
    }
    for (const listener of contract.listeners) {
      if (faults.httpsOnly && listener.scheme === 'http') {
        log.write(`${listener.name}: not published (HTTPS-only policy)`);
        continue;
      }
      if (contract.mode === 'bridge') listening.push(await startBridge(contract, listener, log, faults));
      else listening.push(await startTunnel(contract, listener, log));
      log.write(
        `${listener.name}: ${contract.mode} listening on ${listener.bind.host}:${listener.bind.port} for ${listener.publicName} -> ${listener.upstream.scheme}://${listener.upstream.host}:${listener.upstream.port}`,
      );
    }
  } catch (error) {
    await Promise.all(listening.map((item) => item.close()));
    throw error;
  }
  return {
    log: () => log.all(),
    close: async () => {
      await Promise.all(listening.map((item) => item.close()));
    },
  };
}
