/**
 * Inputs that can never analyse are rejected with ImageRejectedError and a clear reason, and the engine (one real
 * worker process) keeps working afterwards.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaceEngine, type LocalFaceEngine } from '../src/local/engine/create-face-engine';
import { type EngineInput, ImageRejectedError } from '../src/local/engine/face-engine';

const DEV = path.resolve(import.meta.dirname, '../../shared/datasets/faces-dev');
const GOOD = path.join(DEV, 'George_W_Bush/1.jpg');

let engine: LocalFaceEngine;
let tmp: string;

beforeAll(async () => {
  // A low maxJobsPerWorker makes the planned-recycling path run during this file too.
  engine = await createFaceEngine({ workers: 1, maxPixels: 50_000_000, maxJobsPerWorker: 6 });
  tmp = mkdtempSync(path.join(os.tmpdir(), 'engine-bad-'));
});

afterAll(async () => {
  await engine?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function file(name: string, bytes: Uint8Array | string): string {
  const p = path.join(tmp, name);
  writeFileSync(p, bytes);
  return p;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A ~100-byte valid-looking PNG whose header claims width × height pixels (a decompression bomb's header). */
function pngBombHeader(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.writeUInt8(8, 8); // bit depth
  ihdr.writeUInt8(2, 9); // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', zlib.deflateSync(Buffer.alloc(64))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A real JPEG whose SOF0 frame header is patched to claim width × height. */
function jpegBombHeader(width: number, height: number): Buffer {
  const jpeg = Buffer.from(readFileSync(GOOD));
  for (let i = 2; i < jpeg.length - 9; i++) {
    if (jpeg[i] === 0xff && jpeg[i + 1]! >= 0xc0 && jpeg[i + 1]! <= 0xc2) {
      jpeg.writeUInt16BE(height, i + 5);
      jpeg.writeUInt16BE(width, i + 7);
      return jpeg;
    }
  }
  throw new Error('no SOF marker in test JPEG');
}

async function rejection(input: EngineInput): Promise<ImageRejectedError> {
  try {
    await engine.analyze(input);
  } catch (err) {
    expect(err).toBeInstanceOf(ImageRejectedError);
    return err as ImageRejectedError;
  }
  throw new Error('expected the engine to reject this input');
}

async function expectEngineStillWorks(): Promise<void> {
  const photo = await engine.analyze({ path: GOOD });
  expect(photo.faces.length).toBeGreaterThanOrEqual(1);
}

describe('local face engine on bad inputs', () => {
  it('rejects a zero-byte file as empty', async () => {
    expect((await rejection({ path: file('empty.jpg', '') })).reason).toBe('empty');
    expect((await rejection({ bytes: new Uint8Array(0) })).reason).toBe('empty');
  });

  it('rejects a text file named .jpg as not an image', async () => {
    const err = await rejection({ path: file('notes.jpg', 'this is not a photo\n'.repeat(20)) });
    expect(err.reason).toBe('not_an_image');
    expect(err.message).toMatch(/not a decodable image/);
  });

  it('rejects a truncated JPEG as corrupt', async () => {
    const bytes = readFileSync(GOOD);
    const err = await rejection({
      path: file('truncated.jpg', bytes.subarray(0, Math.floor(bytes.length / 2))),
    });
    expect(err.reason).toBe('corrupt');
  });

  it('rejects 20000×20000 header bombs (PNG and JPEG) before decoding them', async () => {
    const png = await rejection({ path: file('bomb.png', pngBombHeader(20000, 20000)) });
    expect(png.reason).toBe('too_many_pixels');
    expect(png.message).toMatch(/20000×20000/);
    const jpeg = await rejection({ bytes: new Uint8Array(jpegBombHeader(20000, 20000)) });
    expect(jpeg.reason).toBe('too_many_pixels');
  });

  it('rejects a missing file and an SVG', async () => {
    expect((await rejection({ path: path.join(tmp, 'does-not-exist.jpg') })).reason).toBe('missing');
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>';
    expect((await rejection({ path: file('vector.jpg', svg) })).reason).toBe('unsupported');
  });

  it('keeps working after every rejection, also with bad and good photos interleaved', async () => {
    await expectEngineStillWorks();
    const results = await Promise.allSettled([
      engine.analyze({ path: GOOD }),
      engine.analyze({ bytes: new Uint8Array(0) }),
      engine.analyze({ path: file('bomb2.png', pngBombHeader(20000, 20000)) }),
      engine.analyze({ path: GOOD }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
  });

  it('replaces a worker that is killed, and one that reached maxJobsPerWorker', async () => {
    await expectEngineStillWorks();
    const [pid] = engine.workerPids();
    expect(pid).toBeTypeOf('number');
    process.kill(pid!, 'SIGKILL');
    await expectEngineStillWorks();
    const [afterCrash] = engine.workerPids();
    expect(afterCrash).not.toBe(pid);
    for (let i = 0; i < 7; i++) await expectEngineStillWorks();
    expect(engine.workerPids()).not.toContain(afterCrash);
  });

  // Must stay the last test: it closes the shared engine.
  it('close() settles in-flight photos, ends the worker processes and refuses new work', async () => {
    const pids = engine.workerPids();
    const inFlight = Promise.allSettled([GOOD, GOOD, GOOD].map((p) => engine.analyze({ path: p })));
    await engine.close();
    const settled = await inFlight;
    for (const r of settled) if (r.status === 'rejected') expect(String(r.reason)).toMatch(/closed|died/);
    expect(settled[0]!.status).toBe('fulfilled'); // the photo already sent to the worker finishes
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    await expect(engine.analyze({ path: GOOD })).rejects.toThrow(/closed/);
  });
});
