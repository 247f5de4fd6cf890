/**
 * Deterministic resource ids: a name-based UUID (RFC 9562 version 5, SHA-1) from what identifies
 * the source record and the position in it, so converting the same message twice gives the same
 * Bundle, golden files stay stable, and a receiver can recognise a resent message.
 * https://www.rfc-editor.org/rfc/rfc9562#name-uuid-version-5
 */
import { createHash } from 'node:crypto';

/** The namespace of overdracht's adapter ids (a fixed random UUID). */
const NAMESPACE = Buffer.from('6f1d3c2a8b7e4d5f9a0c1b2d3e4f5a6b', 'hex');

export function uuidFor(...parts: readonly string[]): string {
  const hash = createHash('sha1').update(NAMESPACE).update(parts.join('\u001f'), 'utf8').digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
