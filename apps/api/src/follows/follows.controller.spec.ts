import { NotFoundException } from '@nestjs/common';
import { AUTH, bodyOf, CALLER, type SpecApp, startSpecApp } from '../http/http-spec-app.spec-support';
import { HANDLE_MESSAGE } from '../users/dto/create-user.dto';
import { FollowsController } from './follows.controller';
import { FollowsService } from './follows.service';

describe('FollowsController over HTTP', () => {
  const follows = { follow: jest.fn(), unfollow: jest.fn(), followers: jest.fn(), following: jest.fn() };
  let spec: SpecApp;

  beforeAll(async () => {
    spec = await startSpecApp({ controllers: [FollowsController], providers: [{ provide: FollowsService, useValue: follows }] });
  });
  afterAll(() => spec.close());
  beforeEach(() => jest.resetAllMocks());

  it.each([
    ['PUT', 'follow'],
    ['DELETE', 'unfollow'],
  ] as const)('%s /follow answers 204 with no body and acts for the caller', async (method, call) => {
    follows[call].mockResolvedValue(undefined);

    const response = await spec.request('/v1/users/grace/follow', { method, headers: AUTH });

    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    expect(follows[call]).toHaveBeenCalledWith(expect.objectContaining({ id: CALLER.id, handle: CALLER.handle }), 'grace');
  });

  it.each(['PUT', 'DELETE'])('%s /follow without a token is 401 and never reaches the service', async (method) => {
    const response = await spec.request('/v1/users/grace/follow', { method });

    expect(response.status).toBe(401);
    expect(await bodyOf(response)).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    expect(follows.follow).not.toHaveBeenCalled();
    expect(follows.unfollow).not.toHaveBeenCalled();
  });

  it.each(['/v1/users/Grace!/follow', '/v1/users/ab/follow', `/v1/users/${'a'.repeat(31)}/followers`])('answers a malformed handle (%s) with 400', async (path) => {
    const response = await spec.request(path, { method: path.endsWith('follow') ? 'PUT' : 'GET', headers: AUTH });

    expect(response.status).toBe(400);
    expect(await bodyOf(response)).toEqual({ statusCode: 400, error: 'Bad Request', message: [HANDLE_MESSAGE] });
    expect(follows.follow).not.toHaveBeenCalled();
    expect(follows.followers).not.toHaveBeenCalled();
  });

  it("passes the service's 404 through in the error body shape", async () => {
    follows.follow.mockRejectedValue(new NotFoundException('user "nobody" not found'));

    const response = await spec.request('/v1/users/nobody/follow', { method: 'PUT', headers: AUTH });

    expect(response.status).toBe(404);
    expect(await bodyOf(response)).toEqual({ statusCode: 404, error: 'Not Found', message: 'user "nobody" not found' });
  });

  it.each([
    ['followers', '?limit=5&cursor=abc', ['grace', 'abc', 5]],
    ['following', '', ['grace', undefined, undefined]],
  ] as const)('lists %s with the query parsed (limit as a number)', async (list, query, args) => {
    follows[list].mockResolvedValue({ items: [], nextCursor: null });

    const response = await spec.request(`/v1/users/grace/${list}${query}`, { headers: AUTH });

    expect(response.status).toBe(200);
    expect(await bodyOf(response)).toEqual({ items: [], nextCursor: null });
    expect(follows[list]).toHaveBeenCalledWith(...args);
  });

  it.each([
    ['limit=0', 'limit must not be less than 1'],
    ['limit=101', 'limit must not be greater than 100'],
    ['limit=ten', 'limit must be an integer number'],
    [`cursor=${'c'.repeat(201)}`, 'cursor must be shorter than or equal to 200 characters'],
    ['sort=asc', 'property sort should not exist'],
  ])('answers ?%s with 400 naming the parameter', async (query, message) => {
    const response = await spec.request(`/v1/users/grace/followers?${query}`, { headers: AUTH });

    expect(response.status).toBe(400);
    expect((await bodyOf(response)).message).toEqual(expect.arrayContaining([message]));
    expect(follows.followers).not.toHaveBeenCalled();
  });
});
