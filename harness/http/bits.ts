// BITS upload ([MC-BUP], research W:36): the protocol GUID a client offers in
// BITS-Supported-Protocols and the server confirms in BITS-Protocol. Shared by the MP's upload
// endpoint and the checks that drive it, so a suite never reaches into the role for it.
export const BITS_1_5_UPLOAD_PROTOCOL = '{7df0354d-249b-430f-820d-3d2a9bef4931}';
