/**
 * @peculiar/x509, ready to use: the Reflect polyfill loaded first and Node's WebCrypto installed
 * as its provider. Only the X.509 library — no CA, no keys — so the simulated client can parse
 * certificates and verify CRLs with it without depending on the lab's certificate authority.
 */
// Must evaluate before @peculiar/x509 (tsyringe checks for Reflect.getMetadata at import time).
import './reflect-polyfill.js';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// @peculiar/x509 signs and verifies through whatever WebCrypto it is given; use Node's.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };
