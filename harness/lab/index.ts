export * from './lab.js';
export * from './start-lab.js';
