// `--proxy`, read once: the parsed reference (what travels to the workers and the drivers) and the
// proxy it names, or a usage error (exit 2) that says what to give instead.
import { UsageError } from '../errors.js';
import { parseProxyRef, proxyFromRef, type ProxyImplementation, type ProxyRef } from '../proxies/index.js';

export function proxyOption(value: string | undefined): { ref: ProxyRef; proxy: ProxyImplementation } {
  const ref = parseProxyRef(value ?? 'node');
  if ('invalid' in ref) throw new UsageError(ref.invalid);
  const proxy = proxyFromRef(ref);
  if (!proxy) throw new UsageError(`unknown proxy "${value}"; 'ibcm-lab proxies' lists them, or use exec:<command>`);
  return { ref, proxy };
}
