import { AUTH, bodyOf, CALLER, type SpecApp, startSpecApp } from '../http/http-spec-app.spec-support';
import { FeedController } from './feed.controller';
import { FeedService } from './feed.service';

describe('FeedController over HTTP', () => {
  const feed = { page: jest.fn() };
  let spec: SpecApp;

  beforeAll(async () => {
    spec = await startSpecApp({ controllers: [FeedController], providers: [{ provide: FeedService, useValue: feed }] });
  });
  afterAll(() => spec.close());
  beforeEach(() => jest.resetAllMocks());

  it("asks for the caller's page with the cursor and a numeric limit", async () => {
    feed.page.mockResolvedValue({ items: [], nextCursor: 'next' });

    const response = await spec.request('/v1/feed?cursor=abc&limit=7', { headers: AUTH });

    expect(response.status).toBe(200);
    expect(await bodyOf(response)).toEqual({ items: [], nextCursor: 'next' });
    expect(feed.page).toHaveBeenCalledWith(CALLER.id, 'abc', 7);
  });

  it('is 401 without a token', async () => {
    const response = await spec.request('/v1/feed');

    expect(response.status).toBe(401);
    expect(feed.page).not.toHaveBeenCalled();
  });

  it.each([
    ['limit=-1', 'limit must not be less than 1'],
    ['limit=1.5', 'limit must be an integer number'],
    ['owner=bob', 'property owner should not exist'],
  ])('answers ?%s with 400 naming the parameter', async (query, message) => {
    const response = await spec.request(`/v1/feed?${query}`, { headers: AUTH });

    expect(response.status).toBe(400);
    expect(await bodyOf(response)).toEqual({ statusCode: 400, error: 'Bad Request', message: [message] });
    expect(feed.page).not.toHaveBeenCalled();
  });
});
