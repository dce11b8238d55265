/** Public API of the lab's strict HTTP/1.1 stack (see reader.ts for why it is hand-written). */
export {
  defaultLimits,
  headerValue,
  headerValues,
  HttpParseError,
  type HeaderField,
  type HttpErrorStatus,
  type HttpLimits,
  type HttpRequestMessage,
  type HttpResponseMessage,
  type RequestFraming,
  type RequestHead,
  type ResponseHead,
} from './message.js';
export { HttpReader, type ReadRequestOptions } from './reader.js';
export {
  encodeResponse,
  headerPairs,
  prepareResponse,
  reasonPhrase,
  reasonPhrases,
  serializeRequestHead,
  serializeResponseHead,
  type HeaderInput,
  type PreparedResponse,
  type ResponseHeadInput,
  type ResponseInput,
} from './wire.js';
export {
  bodyFacts,
  Journal,
  sha256Hex,
  type JournalEntry,
  type JournalInput,
  type JournalReader,
  type SiteDecision,
  type TlsFacts,
} from './journal.js';
export { tlsFactsOf } from './tls-facts.js';
export {
  clientCertificateRejection,
  startSiteServer,
  type SiteHandler,
  type SiteRequest,
  type SiteResponse,
  type SiteServerOptions,
  type StartedSiteServer,
} from './server.js';
export { BITS_1_5_UPLOAD_PROTOCOL } from './bits.js';
