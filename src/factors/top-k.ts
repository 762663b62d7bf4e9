/**
 * The k best (index, score) pairs of a stream, in a min-heap of fixed size: O(n log k), no full sort.
 * Ties keep the earlier index, so results are deterministic.
 */
export class TopK {
  private indices: Int32Array;
  private scores: Float64Array;
  private size = 0;

  constructor(private capacity: number) {
    this.indices = new Int32Array(Math.max(0, capacity));
    this.scores = new Float64Array(Math.max(0, capacity));
  }

  /** Empties the heap for another stream, keeping its arrays (they cost more to allocate than a short stream). */
  reset(capacity: number): void {
    if (capacity > this.indices.length) {
      this.indices = new Int32Array(capacity);
      this.scores = new Float64Array(capacity);
    }
    this.capacity = Math.max(0, capacity);
    this.size = 0;
  }

  /** A candidate must score above this to enter; check it before any costly filtering. */
  get threshold(): number {
    return this.size < this.capacity ? -Infinity : this.scores[0]!;
  }

  push(index: number, score: number): void {
    if (this.capacity === 0) return;
    if (this.size < this.capacity) {
      this.siftUp(this.size++, index, score);
    } else if (score > this.scores[0]!) {
      this.siftDown(index, score);
    }
  }

  /** The kept indexes, unordered: for a caller that orders them by scores of its own. */
  indexes(): number[] {
    const out = [];
    for (let i = 0; i < this.size; i++) out.push(this.indices[i]!);
    return out;
  }

  /** Best first. */
  sorted(): Array<{ index: number; score: number }> {
    const out = [];
    for (let i = 0; i < this.size; i++) out.push({ index: this.indices[i]!, score: this.scores[i]! });
    return out.sort((a, b) => b.score - a.score || a.index - b.index);
  }

  private siftUp(at: number, index: number, score: number): void {
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (this.scores[parent]! <= score) break;
      this.indices[at] = this.indices[parent]!;
      this.scores[at] = this.scores[parent]!;
      at = parent;
    }
    this.indices[at] = index;
    this.scores[at] = score;
  }

  private siftDown(index: number, score: number): void {
    let at = 0;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= this.size) break;
      const right = left + 1;
      const child = right < this.size && this.scores[right]! < this.scores[left]! ? right : left;
      if (this.scores[child]! >= score) break;
      this.indices[at] = this.indices[child]!;
      this.scores[at] = this.scores[child]!;
      at = child;
    }
    this.indices[at] = index;
    this.scores[at] = score;
  }
}
