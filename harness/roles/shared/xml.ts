// Escaping for the XML and HTML bodies the roles write from configured names (file names, titles).

/** Escape text for XML/HTML element content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);
}

/** Escape text for element content only (`&`, `<`, `>`); quotes stay readable, e.g. in an embedded XML fragment. */
export function escapeText(text: string): string {
  return text.replace(/[&<>]/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[char]!);
}
