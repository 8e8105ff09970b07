/**
 * A small seeded PRNG for benchmark data. Math.random cannot be seeded, and a benchmark whose data
 * changes from run to run cannot be compared with its last result.
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max] (both included). */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** 16 bytes, for UUIDs that are the same on every run with the same seed. */
  bytes16(): Uint8Array;
}

/** mulberry32: 32-bit state, full 2^32 period, fast; ample for test data (not for anything secret). */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  const nextUint32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const next = () => nextUint32() / 4294967296;
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)] as T;
    },
    bytes16: () => {
      const bytes = new Uint8Array(16);
      const view = new DataView(bytes.buffer);
      for (let offset = 0; offset < 16; offset += 4) view.setUint32(offset, nextUint32());
      return bytes;
    },
  };
}

/**
 * A 32-bit seed from a seed and a name (FNV-1a). Each generator draws from its own stream, so adding a
 * generator, or changing how many numbers one draws, leaves the data of the others unchanged.
 */
export function deriveSeed(seed: number, name: string): number {
  let hash = 0x811c9dc5 ^ (seed >>> 0);
  for (const char of `${seed}:${name}`) {
    hash ^= char.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** Fisher–Yates on a copy. */
export function shuffled<T>(items: readonly T[], random: Random): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random.next() * (index + 1));
    [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
  }
  return copy;
}
