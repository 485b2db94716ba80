/**
 * Alert fingerprints as Alertmanager computes them (prometheus/common model
 * LabelSet.Fingerprint): FNV-1a 64 over the labels sorted by name, each name and
 * value followed by the 0xff separator byte, printed as 16 hex digits. Keying
 * vigil.alerts by it lets the manager find an alert the way Alertmanager would.
 */
import type { Labels } from '../promql/labels.js';

const SEPARATOR = 0xff;
const TWO32 = 4294967296;
const encoder = new TextEncoder();

/** A 64-bit FNV-1a state as two unsigned 32-bit halves (exact in doubles). */
class Fnv64a {
  hi = 0xcbf29ce4;
  lo = 0x84222325;

  addByte(b: number): void {
    const lo = (this.lo ^ b) >>> 0;
    // × 0x100000001b3 = × 0x1b3 plus × 2^40 (which only moves lo's low bits into hi).
    const a = lo * 0x1b3;
    const carry = Math.floor(a / TWO32);
    this.lo = a >>> 0;
    this.hi = (this.hi * 0x1b3 + carry + ((lo << 8) >>> 0)) >>> 0;
  }

  addString(s: string): void {
    for (const b of encoder.encode(s)) this.addByte(b);
  }

  hex(): string {
    return this.hi.toString(16).padStart(8, '0') + this.lo.toString(16).padStart(8, '0');
  }
}

/** Alertmanager's fingerprint of a label set (sorted by name, as Labels always are). */
export function fingerprint(labels: Labels): string {
  const h = new Fnv64a();
  for (const l of labels) {
    h.addString(l.name);
    h.addByte(SEPARATOR);
    h.addString(l.value);
    h.addByte(SEPARATOR);
  }
  return h.hex();
}

/** The fingerprint as Go prints it with %d (for comparing with Alertmanager's test vectors). */
export function fingerprintDecimal(hex: string): string {
  return BigInt('0x' + hex).toString(10);
}
