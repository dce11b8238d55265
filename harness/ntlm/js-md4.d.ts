// js-md4 0.3.x ships no types. Only the pure-JS output methods are declared: calling the
// module itself (md4(...)) goes through Node's createHash('md4'), which OpenSSL 3 refuses.
declare module 'js-md4' {
  type Md4Input = string | ArrayBuffer | Uint8Array | number[];
  interface Md4 {
    hex(message: Md4Input): string;
    arrayBuffer(message: Md4Input): ArrayBuffer;
    digest(message: Md4Input): number[];
  }
  const md4: Md4;
  export = md4;
}
