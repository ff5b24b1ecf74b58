import { decodeCursor, encodeCursor, InvalidCursorError, toPage } from './keyset-cursor';

const ID = '7d2c8a4e-1f3b-4c5d-9e6f-0a1b2c3d4e5f';
const AT = new Date('2025-03-14T15:09:26.535Z');

function row(n: number) {
  return { id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, createdAt: new Date(AT.getTime() - n * 1000) };
}

describe('keyset cursor', () => {
  it('decodes what it encoded', () => {
    const cursor = encodeCursor({ createdAt: AT, id: ID });

    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    const keyset = decodeCursor(cursor);
    expect(keyset.id).toBe(ID);
    expect(keyset.createdAt.toISOString()).toBe('2025-03-14T15:09:26.535Z');
  });

  it.each([
    ['garbage', 'not a cursor!'],
    ['empty', ''],
    ['no id', Buffer.from(AT.toISOString()).toString('base64url')],
    ['bad date', Buffer.from(`yesterday|${ID}`).toString('base64url')],
    ['id not a uuid', Buffer.from(`${AT.toISOString()}|1 OR 1=1`).toString('base64url')],
    ['extra field', Buffer.from(`${AT.toISOString()}|${ID}|x`).toString('base64url')],
  ])('refuses a %s cursor', (_label, cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(InvalidCursorError);
  });

  it('refuses a cursor whose id was tampered with', () => {
    const decoded = Buffer.from(encodeCursor({ createdAt: AT, id: ID }), 'base64url').toString('utf8');
    const tampered = Buffer.from(decoded.replace(ID, `${ID}'--`)).toString('base64url');

    expect(() => decodeCursor(tampered)).toThrow(InvalidCursorError);
  });
});

describe('toPage', () => {
  it('gives a nextCursor pointing at the last item when there is an extra row', () => {
    const rows = [row(1), row(2), row(3)];

    const page = toPage(rows, 2);

    expect(page.items).toEqual([row(1), row(2)]);
    expect(page.nextCursor).not.toBeNull();
    expect(decodeCursor(page.nextCursor!)).toEqual({ id: row(2).id, createdAt: row(2).createdAt });
  });

  it('gives no nextCursor when the rows fit in the page', () => {
    expect(toPage([row(1), row(2)], 2)).toEqual({ items: [row(1), row(2)], nextCursor: null });
    expect(toPage([row(1)], 2)).toEqual({ items: [row(1)], nextCursor: null });
    expect(toPage([], 2)).toEqual({ items: [], nextCursor: null });
  });
});

describe('toPage with a keyset of other names', () => {
  it('builds the cursor from what keyOf picks', () => {
    const rows = [1, 2, 3].map((n) => ({ userId: row(n).id, followedAt: row(n).createdAt }));

    const page = toPage(rows, 2, (r) => ({ createdAt: r.followedAt, id: r.userId }));

    expect(page.items).toEqual(rows.slice(0, 2));
    expect(decodeCursor(page.nextCursor!)).toEqual({ id: row(2).id, createdAt: row(2).createdAt });
  });
});
