/**
 * The real local face engine (one worker process) on real dev photos: detection, box convention, embeddings,
 * EXIF orientation, quality and group photos.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaceEngine, type LocalFaceEngine } from '../src/local/engine/create-face-engine';
import type { AnalyzedPhoto, DetectedFace } from '../src/local/engine/face-engine';

const DEV = path.resolve(import.meta.dirname, '../../shared/datasets/faces-dev');
const dev = (rel: string) => path.join(DEV, rel);

let engine: LocalFaceEngine;
let tmp: string;

beforeAll(async () => {
  engine = await createFaceEngine({ workers: 1 });
  tmp = mkdtempSync(path.join(os.tmpdir(), 'engine-test-'));
});

afterAll(async () => {
  await engine?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** The labelled LFW face is the detected face nearest the image centre. */
function centreFace(photo: AnalyzedPhoto): DetectedFace {
  const cx = photo.width / 2;
  const cy = photo.height / 2;
  const dist = (f: DetectedFace) =>
    Math.hypot(f.box.left + f.box.width / 2 - cx, f.box.top + f.box.height / 2 - cy);
  const face = [...photo.faces].sort((a, b) => dist(a) - dist(b))[0];
  if (!face) throw new Error('no face detected');
  return face;
}

function euclid(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

describe('local face engine on real photos', () => {
  it('finds one face near the centre of an LFW photo with a tight ~100–130 px tall box, pose in degrees', async () => {
    const photo = await engine.analyze({ path: dev('George_W_Bush/1.jpg') });
    expect(photo.width).toBe(250);
    expect(photo.height).toBe(250);
    const face = centreFace(photo);
    const cx = face.box.left + face.box.width / 2;
    const cy = face.box.top + face.box.height / 2;
    expect(Math.abs(cx - 125)).toBeLessThan(25);
    expect(Math.abs(cy - 125)).toBeLessThan(30);
    expect(face.box.height).toBeGreaterThanOrEqual(95);
    expect(face.box.height).toBeLessThanOrEqual(135);
    expect(face.box.width).toBeGreaterThan(75);
    expect(face.box.width).toBeLessThan(125);
    expect(face.confidence).toBeGreaterThan(0.5);
    for (const angle of Object.values(face.headPose)) expect(Math.abs(angle)).toBeLessThan(30);
    expect(face.embedding).toHaveLength(128);
    expect(face.gender).toBe('male');
    expect(face.age).toBeGreaterThan(25);
    expect(face.quality).toBeGreaterThan(0.8);
  });

  it('puts two photos of one person closer than photos of different people', async () => {
    const files = ['George_W_Bush/1.jpg', 'George_W_Bush/2.jpg', 'Colin_Powell/1.jpg', 'Colin_Powell/2.jpg'];
    const [bush1, bush2, powell1, powell2] = await Promise.all(
      files.map(async (f) => centreFace(await engine.analyze({ path: dev(f) })).embedding),
    );
    const same = [euclid(bush1!, bush2!), euclid(powell1!, powell2!)];
    const different = [
      euclid(bush1!, powell1!),
      euclid(bush1!, powell2!),
      euclid(bush2!, powell1!),
      euclid(bush2!, powell2!),
    ];
    expect(Math.max(...same)).toBeLessThan(Math.min(...different));
    // The notes' threshold (~0.57) separates these pairs.
    expect(Math.max(...same)).toBeLessThan(0.57);
    expect(Math.min(...different)).toBeGreaterThan(0.57);
  });

  it('reports the same box in oriented coordinates for an EXIF-rotated copy, and reads DateTimeOriginal', async () => {
    const original = dev('Barack_Obama/1.jpg');
    const upright = await engine.analyze({ path: original });
    // Store the pixels turned 90° clockwise and tag orientation 8 ("rotate 90° counter-clockwise to display").
    const rotatedPath = path.join(tmp, 'rotated.jpg');
    const rotated = await sharp(original)
      .rotate(90)
      .withExif({ IFD2: { DateTimeOriginal: '2021:06:01 12:34:56' } })
      .withMetadata({ orientation: 8 })
      .jpeg({ quality: 95 })
      .toBuffer();
    writeFileSync(rotatedPath, rotated);
    const meta = await sharp(rotated).metadata();
    expect(meta.orientation).toBe(8);
    expect(meta.width).toBe(upright.height); // the stored pixels really are sideways

    const turned = await engine.analyze({ path: rotatedPath });
    expect(turned.width).toBe(upright.width);
    expect(turned.height).toBe(upright.height);
    expect(turned.takenAt).toBe('2021-06-01T12:34:56.000Z');
    const a = centreFace(upright).box;
    const b = centreFace(turned).box;
    const tol = 0.05 * a.height;
    expect(Math.abs(a.left - b.left)).toBeLessThan(tol);
    expect(Math.abs(a.top - b.top)).toBeLessThan(tol);
    expect(Math.abs(a.width - b.width)).toBeLessThan(tol);
    expect(Math.abs(a.height - b.height)).toBeLessThan(tol);
  });

  it('reads roll in degrees on a tilted copy and keeps its embedding near the upright one (aligned crop)', async () => {
    const bytes = readFileSync(dev('Colin_Powell/1.jpg'));
    const tilted = await sharp(bytes).rotate(30, { background: '#000' }).jpeg({ quality: 95 }).toBuffer();
    const upright = centreFace(await engine.analyze({ bytes }));
    const turned = centreFace(await engine.analyze({ bytes: new Uint8Array(tilted) }));
    expect(Math.abs(Math.abs(turned.headPose.roll - upright.headPose.roll) - 30)).toBeLessThan(8);
    expect(euclid(upright.embedding, turned.embedding)).toBeLessThan(0.35);
  });

  it('keeps the embedding of a 6× enlarged copy near the original (chip cut from a pooled pyramid level)', async () => {
    const bytes = readFileSync(dev('Colin_Powell/1.jpg'));
    const big = await sharp(bytes)
      .resize(1500, 1500, { kernel: 'lanczos3' })
      .jpeg({ quality: 95 })
      .toBuffer();
    const small = centreFace(await engine.analyze({ bytes }));
    const large = centreFace(await engine.analyze({ bytes: new Uint8Array(big) }));
    expect(large.box.width / small.box.width).toBeGreaterThan(5);
    expect(euclid(small.embedding, large.embedding)).toBeLessThan(0.2);
  });

  it('describes several large faces of one photo from the shared pyramid, each like its own small original', async () => {
    const people = ['Colin_Powell/1.jpg', 'Hugo_Chavez/1.jpg'];
    const tiles = await Promise.all(
      people.map((p) =>
        sharp(readFileSync(dev(p)))
          .resize(800, 800, { kernel: 'lanczos3' })
          .toBuffer(),
      ),
    );
    const collage = await sharp({ create: { width: 1600, height: 800, channels: 3, background: '#000' } })
      .composite(tiles.map((input, i) => ({ input, left: i * 800, top: 0 })))
      .jpeg({ quality: 95 })
      .toBuffer();
    const photo = await engine.analyze({ bytes: new Uint8Array(collage) });
    const bySide = [...photo.faces].filter((f) => f.box.width > 150).sort((a, b) => a.box.left - b.box.left);
    expect(bySide).toHaveLength(2);
    const originals = await Promise.all(
      people.map(async (p) => centreFace(await engine.analyze({ path: dev(p) }))),
    );
    for (const [i, face] of bySide.entries()) {
      // Same person well inside the clustering threshold (0.52), and nearer its own original than the other's.
      expect(euclid(face.embedding, originals[i]!.embedding)).toBeLessThan(0.4);
      expect(euclid(face.embedding, originals[i]!.embedding)).toBeLessThan(
        euclid(face.embedding, originals[1 - i]!.embedding),
      );
    }
  });

  it('gives a blurred copy lower quality and sharpness than the original', async () => {
    const bytes = readFileSync(dev('Colin_Powell/1.jpg'));
    const blurred = await sharp(bytes).blur(2.5).jpeg({ quality: 95 }).toBuffer();
    const sharpFace = centreFace(await engine.analyze({ bytes }));
    const blurFace = centreFace(await engine.analyze({ bytes: new Uint8Array(blurred) }));
    expect(sharpFace.quality).toBeGreaterThan(0.8);
    expect(blurFace.sharpness).toBeLessThan(sharpFace.sharpness);
    expect(blurFace.quality).toBeLessThan(sharpFace.quality);
    expect(blurFace.quality).toBeLessThan(0.8);
  });

  it('finds several faces in group photos, boxes inside the image', async () => {
    const twoPeople = await engine.analyze({ path: dev('_hard/1.jpg') });
    expect(twoPeople.faces.length).toBeGreaterThanOrEqual(2);
    const group = await engine.analyze({ path: dev('_hard/5.jpg') });
    expect(group.faces.length).toBeGreaterThanOrEqual(2);
    for (const photo of [twoPeople, group]) {
      for (const f of photo.faces) {
        expect(f.box.left).toBeGreaterThanOrEqual(0);
        expect(f.box.top).toBeGreaterThanOrEqual(0);
        expect(f.box.left + f.box.width).toBeLessThanOrEqual(photo.width);
        expect(f.box.top + f.box.height).toBeLessThanOrEqual(photo.height);
      }
    }
  });

  it('finds no face in a landscape photo', async () => {
    const photo = await engine.analyze({ path: dev('_hard/9.jpg') });
    expect(photo.faces).toHaveLength(0);
    expect(photo.width).toBeGreaterThan(0);
  });
});

describe("local face engine with the earlier 'mesh-box' descriptor crop", () => {
  let boxEngine: LocalFaceEngine;
  beforeAll(async () => {
    boxEngine = await createFaceEngine({ workers: 1, descriptorAlignment: 'mesh-box' });
  });
  afterAll(async () => {
    await boxEngine?.close();
  });

  it('still separates two people, with embeddings that differ from the default dlib chip', async () => {
    const files = ['George_W_Bush/1.jpg', 'George_W_Bush/2.jpg', 'Colin_Powell/1.jpg'];
    const box = await Promise.all(
      files.map(async (f) => centreFace(await boxEngine.analyze({ path: dev(f) })).embedding),
    );
    const chip = centreFace(await engine.analyze({ path: dev(files[0]!) })).embedding;
    expect(euclid(box[0]!, box[1]!)).toBeLessThan(euclid(box[0]!, box[2]!));
    expect(euclid(box[0]!, chip)).toBeGreaterThan(0.05);
  });
});
