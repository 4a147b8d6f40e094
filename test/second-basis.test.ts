import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fitSecondBasis } from '../bench/second-basis-fit';
import { projectOnBasis, readSecondBasis, writeSecondBasis } from '../src/local/cluster/second-basis';
import { Gaussian, mulberry32 } from './support/synthetic-faces';

const dir = mkdtempSync(path.join(os.tmpdir(), 'second-basis-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 64-d vectors spread mostly along 3 known directions (sd 3, 2, 1) plus small noise, offset from 0. */
function sample(n: number): { vectors: Float32Array[]; dirs: Float32Array[] } {
  const g = new Gaussian(mulberry32(3));
  // Orthonormal (Gram–Schmidt): principal components are orthogonal, so only such directions come back as they are.
  const dirs: Float32Array[] = [];
  for (let j = 0; j < 3; j++) {
    const d = Float32Array.from({ length: 64 }, () => g.next());
    for (const e of dirs) {
      let dot = 0;
      for (let i = 0; i < 64; i++) dot += d[i]! * e[i]!;
      for (let i = 0; i < 64; i++) d[i]! -= dot * e[i]!;
    }
    const len = Math.hypot(...d);
    dirs.push(d.map((x) => x / len));
  }
  const vectors = Array.from({ length: n }, () => {
    const v = Float32Array.from({ length: 64 }, () => 5 + g.next() * 0.01);
    for (const [j, d] of dirs.entries()) {
      const a = g.next() * (3 - j);
      for (let i = 0; i < 64; i++) v[i]! += a * d[i]!;
    }
    return v;
  });
  return { vectors, dirs };
}

const dist = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
};

describe('second-embedding basis', () => {
  it('finds the main directions in order and keeps distances between projected vectors', () => {
    const { vectors, dirs } = sample(800);
    const basis = fitSecondBasis(vectors, 3);
    for (const [j, d] of dirs.entries()) {
      let dot = 0;
      for (let i = 0; i < 64; i++) dot += basis.components[j * 64 + i]! * d[i]!;
      expect(Math.abs(dot)).toBeGreaterThan(0.99);
    }
    for (let i = 0; i < 20; i++) {
      const a = vectors[i]!;
      const b = vectors[i + 20]!;
      expect(dist(projectOnBasis(basis, a), projectOnBasis(basis, b))).toBeCloseTo(dist(a, b), 1);
    }
  });

  it('reads back what it wrote, and refuses a file that is not a basis', () => {
    const basis = fitSecondBasis(sample(200).vectors, 2);
    const file = path.join(dir, 'b.bin');
    writeSecondBasis(file, basis);
    const back = readSecondBasis(file);
    expect(back.k).toBe(2);
    expect(Array.from(back.components)).toEqual(Array.from(basis.components));
    expect(Array.from(back.mean)).toEqual(Array.from(basis.mean));
    writeFileSync(file, readFileSync(file).subarray(0, 100));
    expect(() => readSecondBasis(file)).toThrow(/not a second-embedding basis/);
    expect(() => projectOnBasis(basis, new Float32Array(10))).toThrow(/10 values/);
  });
});
