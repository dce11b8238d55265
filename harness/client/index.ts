export * from './exchange.js';
export * from './ibcm-client.js';
export * from './profile.js';
export * from './transport.js';
export * from './content.js';
export * from './certificate-selection.js';
export * from './random.js';
export * from './revocation.js';
