export * from './schema.js';
export * from './load.js';
export * from './digest.js';
export * from './quirks.js';
