// INTERIM: written by hand from the IANA "TLS HandshakeType" registry (RFC 8446 §4, RFC
// 5246 §7.4) as no CSV copy was available offline. Replace with a table generated from
// data/iana/tls-parameters-7.csv by scripts/gen-registries.ts once it is added.

/** IANA handshake type names by code (RFC 8446 §4). */
export const HANDSHAKE_TYPES: ReadonlyMap<number, string> = new Map([
  [0, "hello_request"],
  [1, "client_hello"],
  [2, "server_hello"],
  [3, "hello_verify_request"],
  [4, "new_session_ticket"],
  [5, "end_of_early_data"],
  [6, "hello_retry_request"],
  [8, "encrypted_extensions"],
  [9, "request_connection_id"],
  [10, "new_connection_id"],
  [11, "certificate"],
  [12, "server_key_exchange"],
  [13, "certificate_request"],
  [14, "server_hello_done"],
  [15, "certificate_verify"],
  [16, "client_key_exchange"],
  [17, "client_certificate_request"],
  [20, "finished"],
  [21, "certificate_url"],
  [22, "certificate_status"],
  [23, "supplemental_data"],
  [24, "key_update"],
  [25, "compressed_certificate"],
  [26, "ekt_key"],
  [254, "message_hash"],
]);
