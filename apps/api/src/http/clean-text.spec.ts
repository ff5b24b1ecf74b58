import { validate } from 'class-validator';
import { IsCleanText, textProblem } from './clean-text';

describe('textProblem', () => {
  it('names the field when the text holds a NUL or another control character', () => {
    expect(textProblem('caption', 'nice\u0000shot')).toBe('caption must not contain control characters');
    expect(textProblem('displayName', 'red \u001b[31m')).toBe('displayName must not contain control characters');
    expect(textProblem('displayName', 'del\u007f')).toBe('displayName must not contain control characters');
  });

  it('allows tab and line breaks only when asked', () => {
    expect(textProblem('caption', 'one\r\ntwo\tthree', { lineBreaks: true })).toBeNull();
    expect(textProblem('displayName', 'one\ntwo')).toBe('displayName must not contain control characters');
    expect(textProblem('caption', 'bell\u0007', { lineBreaks: true })).toBe('caption must not contain control characters');
  });

  it('calls text that held invalid UTF-8 (decoded to U+FFFD) invalid', () => {
    const decoded = Buffer.from([0x63, 0xff, 0xfe]).toString('utf8');
    expect(textProblem('filename', decoded)).toBe('filename must be valid UTF-8');
  });

  it('passes ordinary text, accents and emoji', () => {
    expect(textProblem('caption', 'Ça marche 📷 — 日本語')).toBeNull();
  });
});

describe('@IsCleanText', () => {
  class Form {
    @IsCleanText({ lineBreaks: true }) caption?: unknown;
  }
  const problems = async (caption: unknown) => (await validate(Object.assign(new Form(), { caption }))).flatMap((e) => Object.values(e.constraints ?? {}));

  it('reports the problem naming the property, and leaves non-strings to @IsString', async () => {
    expect(await problems('a\u0000b')).toEqual(['caption must not contain control characters']);
    expect(await problems('fine\nline')).toEqual([]);
    expect(await problems(42)).toEqual([]);
  });
});
