/**
 * "Have I seen this value before in the file, and on which row?" for files of
 * any size, in 32 bytes per distinct value: open addressing over a Uint32Array
 * of 96-bit fingerprints (taken from an HMAC blind index, so already uniformly
 * random) and the row number. A JS Map of strings would take 3–5 times that.
 *
 * Two different values share a 96-bit fingerprint with probability about
 * n² / 2⁹⁷ (≈ 10⁻¹⁶ for ten million rows): negligible.
 */
const SLOT = 4; // fingerprint a, b, c, row (0 = empty)
const INITIAL_CAPACITY = 1 << 14;

export class FingerprintTable {
  private slots = new Uint32Array(INITIAL_CAPACITY * SLOT);
  private capacity = INITIAL_CAPACITY;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /**
   * The row stored for the fingerprint of `key` (12+ bytes, e.g. a decoded
   * blind index), or 0 when there is none, in which case `row` (≥ 1) is stored.
   */
  firstRowOrAdd(key: Uint8Array, row: number): number {
    if (row < 1) throw new RangeError('row must be ≥ 1');
    const view = new DataView(key.buffer, key.byteOffset, key.byteLength);
    const a = view.getUint32(0);
    const b = view.getUint32(4);
    const c = view.getUint32(8);
    const found = this.probe(a, b, c);
    if (this.slots[found + 3] !== 0) return this.slots[found + 3]!;
    this.slots[found] = a;
    this.slots[found + 1] = b;
    this.slots[found + 2] = c;
    this.slots[found + 3] = row;
    this.count += 1;
    if (this.count * 2 > this.capacity) this.grow();
    return 0;
  }

  /** Offset of the slot holding (a, b, c), or of the empty slot where it belongs. */
  private probe(a: number, b: number, c: number): number {
    const mask = this.capacity - 1;
    for (let i = a & mask; ; i = (i + 1) & mask) {
      const at = i * SLOT;
      if (this.slots[at + 3] === 0) return at;
      if (this.slots[at] === a && this.slots[at + 1] === b && this.slots[at + 2] === c) return at;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.capacity *= 2;
    this.slots = new Uint32Array(this.capacity * SLOT);
    for (let at = 0; at < old.length; at += SLOT) {
      if (old[at + 3] === 0) continue;
      const to = this.probe(old[at]!, old[at + 1]!, old[at + 2]!);
      this.slots.set(old.subarray(at, at + SLOT), to);
    }
  }
}
