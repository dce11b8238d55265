// Labels and lock files name the process that made them; whether it still exists decides what is
// stale. One home for that: run/process-identity.ts (which also tells a reused process id apart).
export { processExists as processAlive } from '../../run/process-identity.js';
