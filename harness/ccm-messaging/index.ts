export * from './message.js';
export * from './multipart.js';
export * from './signature.js';
export * from './text.js';
export * from './xml.js';
export * from './state-message.js';
