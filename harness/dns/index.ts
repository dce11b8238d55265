// Public surface of the lab's split-horizon DNS.
export { DEFAULT_TTL, normalizeName, validateRecords, type DnsRecord, type DnsView } from './records.js';
export { startDnsServer, type DnsQueryLogEntry, type StartDnsServerOptions, type StartedDnsServer } from './server.js';
export {
  labLookup,
  resolveA,
  type DnsServerAddress,
  type LabLookupCallback,
  type LabLookupFunction,
  type LabLookupOptions,
} from './resolver.js';
