import type { PinoLogger } from 'nestjs-pino';
import { Counter } from 'prom-client';
import { liveNotificationV1 } from '@darkroom/contracts';
import type { NotificationsRepository, UserEntity, UsersRepository } from '@darkroom/database';
import type { LiveNotificationPublisher } from '@darkroom/messaging';
import { UploadEventsService } from './upload-events.service';

const OWNER = { id: '3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d', handle: 'ada_l' } as UserEntity;
const PAYLOAD = { version: 1 as const, uploadId: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f', ownerId: OWNER.id, requestId: 'req-1' };
const NOTIFICATION_ID = '7d2c8a4e-1f3b-4c5d-9e6f-0a1b2c3d4e5f';
const CREATED_AT = new Date('2025-03-14T12:00:00.250Z');

describe('UploadEventsService', () => {
  let insertOnce: jest.Mock;
  let publish: jest.Mock;
  let log: { setContext: jest.Mock; info: jest.Mock; debug: jest.Mock; warn: jest.Mock };
  let service: UploadEventsService;

  beforeEach(() => {
    insertOnce = jest.fn(async () => ({ id: NOTIFICATION_ID, createdAt: CREATED_AT }));
    publish = jest.fn(async () => 1);
    log = { setContext: jest.fn(), info: jest.fn(), debug: jest.fn(), warn: jest.fn() };
    service = new UploadEventsService(
      { insertOnce } as unknown as NotificationsRepository,
      { findById: jest.fn(async () => OWNER) } as unknown as UsersRepository,
      { publish } as unknown as LiveNotificationPublisher,
      log as unknown as PinoLogger,
      new Counter({ name: 'notifications_sent_spec', help: 'spec', labelNames: ['kind'], registers: [] }),
    );
  });

  it('publishes the owner\'s new notification, as GET /v1/notifications will list it, after recording it', async () => {
    await service.record('upload.processed', PAYLOAD);

    expect(insertOnce).toHaveBeenCalledWith({ userId: OWNER.id, kind: 'upload.processed', uploadId: PAYLOAD.uploadId, actorId: OWNER.id });
    expect(publish).toHaveBeenCalledWith(OWNER.id, {
      id: NOTIFICATION_ID,
      kind: 'upload.processed',
      uploadId: PAYLOAD.uploadId,
      actor: { handle: 'ada_l' },
      createdAt: '2025-03-14T12:00:00.250Z',
      readAt: null,
    });
    expect(liveNotificationV1.safeParse(publish.mock.calls[0]![1]).success).toBe(true);
    expect(insertOnce.mock.invocationCallOrder[0]).toBeLessThan(publish.mock.invocationCallOrder[0]!);
  });

  it('publishes nothing for a replayed job that recorded nothing', async () => {
    insertOnce.mockResolvedValue(null);
    await service.record('upload.failed', PAYLOAD);
    expect(publish).not.toHaveBeenCalled();
  });

  it('still completes the job when Redis refuses the publish: the row is recorded and streams replay it', async () => {
    publish.mockRejectedValue(new Error('ECONNREFUSED'));
    await expect(service.record('upload.processed', PAYLOAD)).resolves.toBeUndefined();
    expect(log.warn).toHaveBeenCalledWith(expect.objectContaining({ notificationId: NOTIFICATION_ID }), expect.stringMatching(/not published/));
  });
});
