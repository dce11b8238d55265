// Named errors with codes (after undici's lib/core/errors.js): the CLI maps them to exit code 2
// and prints their one-line message; nothing else is thrown at a user.

export class IbcmLabError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A topology file or preset that does not validate. `path` is e.g. `roles[2].internetFqdn`. */
export class TopologyError extends IbcmLabError {
  constructor(
    readonly file: string,
    readonly path: string,
    readonly detail: string,
    readonly line?: number,
  ) {
    super(`${file}${line ? `:${line}` : ''}: ${path || '(root)'}: ${detail}`, 'IBCM_TOPOLOGY');
  }
}

/** The lab could not be brought up (a port in use, a missing binary, a certificate that could not be made). */
export class LabStartError extends IbcmLabError {
  constructor(message: string) {
    super(message, 'IBCM_LAB_START');
  }
}

/** Bad command-line usage: unknown flag, unknown mode, unknown proxy. */
export class UsageError extends IbcmLabError {
  constructor(message: string) {
    super(message, 'IBCM_USAGE');
  }
}
