import { ConflictException } from '@nestjs/common';
import { AUTH, bodyOf, CALLER, JSON_AUTH, type SpecApp, startSpecApp } from '../http/http-spec-app.spec-support';
import { CreateUserDto, HANDLE_MESSAGE } from './dto/create-user.dto';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

const JSON_HEADERS = { 'content-type': 'application/json' };

describe('UsersController over HTTP', () => {
  const users = { register: jest.fn(), describe: jest.fn(), profile: jest.fn() };
  let spec: SpecApp;

  beforeAll(async () => {
    spec = await startSpecApp({ controllers: [UsersController], providers: [{ provide: UsersService, useValue: users }] });
  });
  afterAll(() => spec.close());
  beforeEach(() => jest.resetAllMocks());

  const register = (body: unknown) => spec.request('/v1/users', { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(body) });

  it('signs up without a token and hands the service the validated DTO', async () => {
    users.register.mockResolvedValue({ id: CALLER.id, handle: 'ada_l', token: 'drk_new' });

    const response = await register({ handle: 'ada_l', displayName: 'Ada', email: 'ada@example.org' });

    expect(response.status).toBe(201);
    expect(await bodyOf(response)).toEqual({ id: CALLER.id, handle: 'ada_l', token: 'drk_new' });
    expect(users.register).toHaveBeenCalledTimes(1);
    const dto = users.register.mock.calls[0][0];
    expect(dto).toBeInstanceOf(CreateUserDto);
    expect(dto).toEqual({ handle: 'ada_l', displayName: 'Ada', email: 'ada@example.org' });
  });

  it.each([
    ['a malformed handle', { handle: 'Ada!' }, HANDLE_MESSAGE],
    ['no handle', { displayName: 'Ada' }, HANDLE_MESSAGE],
    ['a field the DTO does not know', { handle: 'ada_l', admin: true }, 'property admin should not exist'],
    ['a bad email', { handle: 'ada_l', email: 'not-an-email' }, 'email must be an email'],
    // where a webhookUrl points is the service's to judge (WebhooksService.newEndpoint, e2e); its type is the DTO's
    ['a webhook that is not a string', { handle: 'ada_l', webhookUrl: 42 }, 'webhookUrl must be a string'],
    ['an empty display name', { handle: 'ada_l', displayName: '' }, 'displayName must be longer than or equal to 1 characters'],
  ])('answers 400 naming the field for %s, without calling the service', async (_case, body, message) => {
    const response = await register(body);

    expect(response.status).toBe(400);
    const error = await bodyOf(response);
    expect(error).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(error.message).toEqual(expect.arrayContaining([message]));
    expect(users.register).not.toHaveBeenCalled();
  });

  it('answers 400 for a body that is not JSON', async () => {
    const response = await spec.request('/v1/users', { method: 'POST', headers: JSON_HEADERS, body: '{"handle":' });

    expect(response.status).toBe(400);
    expect(await bodyOf(response)).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(users.register).not.toHaveBeenCalled();
  });

  it("passes the service's 409 through in the error body shape", async () => {
    users.register.mockRejectedValue(new ConflictException('handle "ada_l" is taken'));

    const response = await register({ handle: 'ada_l' });

    expect(response.status).toBe(409);
    expect(await bodyOf(response)).toEqual({ statusCode: 409, error: 'Conflict', message: 'handle "ada_l" is taken' });
  });

  it('answers an unexpected error with 500 and keeps its details out of the body', async () => {
    users.register.mockRejectedValue(new Error('duplicate key value violates unique constraint "users_pkey" (secret detail)'));

    const response = await register({ handle: 'ada_l' });

    expect(response.status).toBe(500);
    const error = await bodyOf(response);
    expect(error).toEqual({ statusCode: 500, error: 'Internal Server Error', message: expect.stringContaining('x-request-id') });
    expect(JSON.stringify(error)).not.toContain('secret detail');
  });

  it.each([
    ['no Authorization header', {}, 'send Authorization: Bearer <token> (POST /v1/users returns one)'],
    ['an unknown token', { authorization: 'Bearer drk_guessed' }, 'the bearer token is not valid'],
    ['another scheme', { authorization: 'Basic YWRhOnNlY3JldA==' }, 'the bearer token is not valid'],
  ])('answers GET /v1/me with 401 for %s', async (_case, headers, message) => {
    const response = await spec.request('/v1/me', { headers });

    expect(response.status).toBe(401);
    expect(await bodyOf(response)).toEqual({ statusCode: 401, error: 'Unauthorized', message });
    expect(users.describe).not.toHaveBeenCalled();
  });

  it('answers GET /v1/me for the caller the token names', async () => {
    users.describe.mockImplementation(async (user: typeof CALLER) => ({ id: user.id, handle: user.handle, unreadNotifications: 2 }));

    const response = await spec.request('/v1/me', { headers: AUTH });

    expect(response.status).toBe(200);
    expect(await bodyOf(response)).toEqual({ id: CALLER.id, handle: 'ada_l', unreadNotifications: 2 });
    expect(users.describe).toHaveBeenCalledWith(expect.objectContaining({ id: CALLER.id, handle: CALLER.handle }));
    expect(users.describe.mock.calls[0][0]).not.toHaveProperty('apiTokenHash');
  });

  it('answers a malformed handle in the path with 400 and never looks it up', async () => {
    const response = await spec.request('/v1/users/NOT%20A%20HANDLE', { headers: AUTH });

    expect(response.status).toBe(400);
    expect(await bodyOf(response)).toMatchObject({ statusCode: 400, message: [HANDLE_MESSAGE] });
    expect(users.profile).not.toHaveBeenCalled();
  });

  it("looks a profile up by handle for the caller", async () => {
    users.profile.mockResolvedValue({ handle: 'grace' });

    const response = await spec.request('/v1/users/grace', { headers: JSON_AUTH });

    expect(response.status).toBe(200);
    expect(users.profile).toHaveBeenCalledWith('grace', CALLER.id);
  });
});

describe('UsersController sign-up rate limit over HTTP', () => {
  let spec: SpecApp;
  const users = { register: jest.fn(async () => ({ id: CALLER.id, handle: 'ada_l', token: 'drk_new' })) };

  beforeAll(async () => {
    spec = await startSpecApp({ controllers: [UsersController], providers: [{ provide: UsersService, useValue: users }] }, { SIGNUP_RATE_LIMIT: '2', SIGNUP_RATE_WINDOW_SECONDS: '600' });
  });
  afterAll(() => spec.close());

  it('answers the sign-up over SIGNUP_RATE_LIMIT with 429 and Retry-After, before the service', async () => {
    const signUp = () => spec.request('/v1/users', { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ handle: 'ada_l' }) });

    expect((await signUp()).status).toBe(201);
    expect((await signUp()).status).toBe(201);
    const refused = await signUp();

    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(590);
    expect(await bodyOf(refused)).toEqual({ statusCode: 429, error: 'Too Many Requests', message: expect.stringMatching(/^too many sign-ups from this address: at most 2 per 600 s/) });
    expect(users.register).toHaveBeenCalledTimes(2);
  });
});
