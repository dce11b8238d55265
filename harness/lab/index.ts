export * from './lab.js';
export * from './start-lab.js';
export * from './variant.js';
