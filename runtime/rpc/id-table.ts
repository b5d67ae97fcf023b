/**
 * The pending-call table: this side's request ids → entries.
 *
 * Own ids are handed out in sequence (PROTOCOL.md §7.1), so slot
 * `id & mask` of a power-of-two array finds an entry without hashing, and
 * adding and removing allocate nothing once the array has grown to the
 * calls in flight. A Map churned by one insert and one delete per call kept
 * reallocating its hash table: in the pipelined bench a third of all the
 * memory that outlived a young-generation GC was Map backing stores.
 *
 * An entry whose slot is taken by a longer-lived one (a stream still open
 * while ids wrapped around) goes to a small overflow Map instead.
 */

/** What the table keys on. */
export interface Identified {
  readonly id: number;
}

const INITIAL_SLOTS = 64;

export class IdTable<T extends Identified> {
  #slots: (T | undefined)[] = new Array<T | undefined>(INITIAL_SLOTS).fill(undefined);
  #mask = INITIAL_SLOTS - 1;
  readonly #overflow = new Map<number, T>();
  #count = 0;

  get size(): number {
    return this.#count;
  }

  /** The entry with `id`, if any; ids that are not own ids (other types, fractions) find nothing. */
  get(id: unknown): T | undefined {
    if (typeof id !== 'number') return undefined;
    const entry = this.#slots[id & this.#mask];
    if (entry !== undefined && entry.id === id) return entry;
    return this.#overflow.size === 0 ? undefined : this.#overflow.get(id);
  }

  /** Adds `entry` under `entry.id`, which must not be in the table. */
  add(entry: T): void {
    // Grow at half load, so sequential ids rarely meet an occupied slot.
    if (this.#count >= this.#slots.length >> 1) this.#grow();
    this.#count++;
    const index = entry.id & this.#mask;
    if (this.#slots[index] === undefined) this.#slots[index] = entry;
    else this.#overflow.set(entry.id, entry);
  }

  /** Removes `entry` if it is the one stored under its id. */
  delete(entry: T): void {
    const index = entry.id & this.#mask;
    if (this.#slots[index] === entry) {
      this.#slots[index] = undefined;
      this.#count--;
    } else if (this.#overflow.get(entry.id) === entry) {
      this.#overflow.delete(entry.id);
      this.#count--;
    }
  }

  /** Every entry, as a fresh array (callers may remove entries while walking it). */
  values(): T[] {
    const out: T[] = [];
    for (const entry of this.#slots) if (entry !== undefined) out.push(entry);
    for (const entry of this.#overflow.values()) out.push(entry);
    return out;
  }

  #grow(): void {
    const entries = this.values();
    const size = this.#slots.length * 2;
    this.#slots = new Array<T | undefined>(size).fill(undefined);
    this.#mask = size - 1;
    this.#overflow.clear();
    for (const entry of entries) {
      const index = entry.id & this.#mask;
      if (this.#slots[index] === undefined) this.#slots[index] = entry;
      else this.#overflow.set(entry.id, entry);
    }
  }
}
