// Public surface of appliance mode's syslog channel: a receiver for the appliance's own syslog and
// the parser it uses for each message.
export { parseSyslog, type StructuredData, type SyslogFormat, type SyslogMessage } from './parse.js';
export {
  startSyslogReceiver,
  SyslogFrameDecoder,
  type ReceivedSyslogLine,
  type SyslogFrame,
  type SyslogReceiver,
  type SyslogReceiverOptions,
  type SyslogTransport,
} from './receiver.js';
