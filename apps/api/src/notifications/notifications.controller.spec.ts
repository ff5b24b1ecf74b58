import { HttpException, HttpStatus, NotFoundException } from '@nestjs/common';
import { AUTH, bodyOf, CALLER, JSON_AUTH, type SpecApp, startSpecApp } from '../http/http-spec-app.spec-support';
import { MarkReadDto } from './dto/notification.dto';
import { NotificationStreamService } from './notification-stream.service';
import { NotificationsController } from './notifications.controller';
import { NotificationsService } from './notifications.service';
import { StreamAuthGuard } from './stream-auth.guard';
import { StreamTickets } from './stream-tickets';

const ID = '6a1f3c2e-9d4b-4e8a-b7c6-5d4e3f2a1b0c';
const TICKET = 'ticket-for-the-caller';

describe('NotificationsController over HTTP', () => {
  const notifications = { list: jest.fn(), unreadCount: jest.fn(), markRead: jest.fn(), markManyRead: jest.fn() };
  const streams = { issueTicket: jest.fn(), open: jest.fn() };
  const tickets = { redeem: jest.fn() };
  let spec: SpecApp;

  beforeAll(async () => {
    spec = await startSpecApp({
      controllers: [NotificationsController],
      providers: [
        { provide: NotificationsService, useValue: notifications },
        { provide: NotificationStreamService, useValue: streams },
        { provide: StreamTickets, useValue: tickets },
        StreamAuthGuard,
      ],
    });
  });
  afterAll(() => spec.close());
  beforeEach(() => jest.resetAllMocks());

  const markMany = (body: unknown) => spec.request('/v1/notifications/read', { method: 'POST', headers: JSON_AUTH, body: JSON.stringify(body) });

  it.each([
    ['', { unreadOnly: false, cursor: undefined, limit: undefined }],
    ['?unread=true&limit=3&cursor=c1', { unreadOnly: true, cursor: 'c1', limit: 3 }],
    ['?unread=false', { unreadOnly: false, cursor: undefined, limit: undefined }],
  ])('lists the caller\'s notifications for "%s"', async (query, options) => {
    notifications.list.mockResolvedValue({ items: [], nextCursor: null });

    const response = await spec.request(`/v1/notifications${query}`, { headers: AUTH });

    expect(response.status).toBe(200);
    expect(notifications.list).toHaveBeenCalledWith(CALLER.id, options);
  });

  it.each([
    ['unread=yes', 'unread must be true or false'],
    ['limit=0', 'limit must not be less than 1'],
  ])('answers ?%s with 400 naming the parameter', async (query, message) => {
    const response = await spec.request(`/v1/notifications?${query}`, { headers: AUTH });

    expect(response.status).toBe(400);
    expect(await bodyOf(response)).toEqual({ statusCode: 400, error: 'Bad Request', message: [message] });
    expect(notifications.list).not.toHaveBeenCalled();
  });

  it('answers 401 without a token on every route but the stream (which has its own guard)', async () => {
    for (const [method, path] of [
      ['GET', '/v1/notifications'],
      ['GET', '/v1/notifications/unread-count'],
      ['POST', `/v1/notifications/${ID}/read`],
      ['POST', '/v1/notifications/read'],
      ['POST', '/v1/notifications/tickets'],
    ]) {
      const response = await spec.request(path, { method });
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 401 });
    }
    expect(notifications.list).not.toHaveBeenCalled();
    expect(streams.issueTicket).not.toHaveBeenCalled();
  });

  it('marks one read with 204 for a UUID id', async () => {
    const response = await spec.request(`/v1/notifications/${ID}/read`, { method: 'POST', headers: AUTH });

    expect(response.status).toBe(204);
    expect(notifications.markRead).toHaveBeenCalledWith(CALLER.id, ID);
  });

  it('answers a malformed id with 400 and never asks the service', async () => {
    const response = await spec.request('/v1/notifications/42/read', { method: 'POST', headers: AUTH });

    expect(response.status).toBe(400);
    expect(await bodyOf(response)).toEqual({ statusCode: 400, error: 'Bad Request', message: 'Validation failed (uuid is expected)' });
    expect(notifications.markRead).not.toHaveBeenCalled();
  });

  it("passes the service's 404 through in the error body shape", async () => {
    notifications.markRead.mockRejectedValue(new NotFoundException(`notification ${ID} not found`));

    const response = await spec.request(`/v1/notifications/${ID}/read`, { method: 'POST', headers: AUTH });

    expect(response.status).toBe(404);
    expect(await bodyOf(response)).toEqual({ statusCode: 404, error: 'Not Found', message: `notification ${ID} not found` });
  });

  it.each([
    [{ ids: [ID] }],
    [{ all: true }],
  ])('marks many read with 204 for %j, handing the service the parsed DTO', async (body) => {
    const response = await markMany(body);

    expect(response.status).toBe(204);
    expect(notifications.markManyRead).toHaveBeenCalledWith(CALLER.id, body);
    expect(notifications.markManyRead.mock.calls[0][1]).toBeInstanceOf(MarkReadDto);
  });

  it.each([
    ['nothing', {}, 'send {"ids": [...]} with 1 to 100 notification ids, or {"all": true}'],
    ['both', { ids: [ID], all: true }, 'send either ids or all, not both'],
    ['all: false', { all: false }, 'all must be true'],
    ['no ids', { ids: [] }, 'ids must contain at least 1 elements'],
    ['101 ids', { ids: Array.from({ length: 101 }, () => ID) }, 'ids must contain no more than 100 elements'],
    ['an id that is not a UUID', { ids: [ID, 'nope'] }, 'each of ids must be a UUID'],
    ['ids that are not a list', { ids: ID }, 'ids must be an array'],
    ['an unknown field', { ids: [ID], force: true }, 'property force should not exist'],
  ])('answers 400 for %s', async (_case, body, message) => {
    const response = await markMany(body);

    expect(response.status).toBe(400);
    expect((await bodyOf(response)).message).toEqual(expect.arrayContaining([message]));
    expect(notifications.markManyRead).not.toHaveBeenCalled();
  });

  it('issues a stream ticket with 201', async () => {
    streams.issueTicket.mockResolvedValue({ ticket: TICKET, expiresAt: new Date('2030-01-01T00:00:00.000Z') });

    const response = await spec.request('/v1/notifications/tickets', { method: 'POST', headers: AUTH });

    expect(response.status).toBe(201);
    expect(await bodyOf(response)).toEqual({ ticket: TICKET, expiresAt: '2030-01-01T00:00:00.000Z' });
    expect(streams.issueTicket).toHaveBeenCalledWith(CALLER.id);
  });

  describe('the stream', () => {
    // The stub refuses the stream (as the service does over STREAM_MAX_PER_USER), so each request ends.
    const full = () => streams.open.mockRejectedValue(new HttpException('too many streams open', HttpStatus.TOO_MANY_REQUESTS));

    it.each([
      ['no credential', '', 'send Authorization: Bearer <token>, or ?ticket= from POST /v1/notifications/tickets'],
      ['an unknown ticket', '?ticket=spent', 'the stream ticket is unknown, used or expired; POST /v1/notifications/tickets for a new one'],
    ])('answers %s with 401 JSON', async (_case, query, message) => {
      tickets.redeem.mockResolvedValue(null);

      const response = await spec.request(`/v1/notifications/stream${query}`);

      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await bodyOf(response)).toEqual({ statusCode: 401, error: 'Unauthorized', message });
      expect(streams.open).not.toHaveBeenCalled();
    });

    it('opens for a bearer header, Last-Event-ID header before ?lastEventId=', async () => {
      full();

      const response = await spec.request('/v1/notifications/stream?lastEventId=from-query', { headers: { ...AUTH, 'last-event-id': 'from-header' } });

      expect(response.status).toBe(429);
      expect(await bodyOf(response)).toEqual({ statusCode: 429, error: 'Too Many Requests', message: 'too many streams open' });
      expect(streams.open).toHaveBeenCalledWith(CALLER.id, 'from-header', expect.anything());
      expect(tickets.redeem).not.toHaveBeenCalled();
    });

    it('opens for a ticket, with ?lastEventId=', async () => {
      full();
      tickets.redeem.mockResolvedValue(CALLER.id);

      await spec.request(`/v1/notifications/stream?ticket=${TICKET}&lastEventId=from-query`);

      expect(tickets.redeem).toHaveBeenCalledWith(TICKET);
      expect(streams.open).toHaveBeenCalledWith(CALLER.id, 'from-query', expect.anything());
    });

    it('answers an unknown query parameter with 400', async () => {
      const response = await spec.request('/v1/notifications/stream?since=yesterday', { headers: AUTH });

      expect(response.status).toBe(400);
      expect((await bodyOf(response)).message).toEqual(['property since should not exist']);
      expect(streams.open).not.toHaveBeenCalled();
    });
  });
});
