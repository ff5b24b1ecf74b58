import { reasonOf } from './api';

describe('reasonOf', () => {
  it("says what the API's error body says, a list of problems joined", () => {
    expect(reasonOf(415, { statusCode: 415, error: 'Unsupported Media Type', message: '"x.jpg" is not a supported image' })).toBe('"x.jpg" is not a supported image');
    expect(reasonOf(400, { statusCode: 400, message: ['handle must match', 'email must be an email'] })).toBe('handle must match; email must be an email');
  });

  it('falls back to the status, or to a sentence about the connection when there was no answer', () => {
    expect(reasonOf(502, null)).toBe('the server answered 502');
    expect(reasonOf(413, '<html>nginx</html>')).toBe('the server answered 413');
    expect(reasonOf(0, null)).toBe('the server could not be reached; check your connection and try again');
  });
});
