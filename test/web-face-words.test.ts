/** The page's words for a face without a person (issue 19, bug 12: "quality 0.00 … blurred" beside "too small"). */
import { describe, expect, it } from 'vitest';
import type { UnclusterableReason } from '../src/album/types';
import { showsQuality, whyNoPerson } from '../web/face-words';

const small: UnclusterableReason = { code: 'small', message: 'too small (24 px)' };
const blurred: UnclusterableReason = { code: 'low_quality', message: 'blurred (quality 0.00)' };
const turned: UnclusterableReason = { code: 'turned', message: 'head turned 60°' };

describe('words for a face without a person', () => {
  it('a face too small to judge is not also called blurred, and shows no quality figure', () => {
    const face = { unclusterableReasons: [small, blurred, turned], quality: 0 };
    expect(whyNoPerson(face)).toBe('too small (24 px); head turned 60°');
    expect(showsQuality(face)).toBe(false);
  });
  it('a face of fair size keeps every reason and its quality', () => {
    const face = { unclusterableReasons: [blurred, turned], quality: 0.12 };
    expect(whyNoPerson(face)).toBe('blurred (quality 0.00); head turned 60°');
    expect(showsQuality(face)).toBe(true);
  });
});
