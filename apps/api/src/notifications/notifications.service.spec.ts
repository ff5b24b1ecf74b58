import { NotFoundException } from '@nestjs/common';
import type { NotificationsRepository } from '@darkroom/database';
import { NotificationsService } from './notifications.service';

const USER = '3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const ID = '7d2c8a4e-1f3b-4c5d-9e6f-0a1b2c3d4e5f';
const OTHER_ID = '8e3d9b5f-2a4c-4d6e-8f7a-1b2c3d4e5f6a';

describe('NotificationsService read state', () => {
  const repo = {
    markRead: jest.fn(),
    markManyRead: jest.fn(async () => 1),
    markAllRead: jest.fn(async () => 3),
    countUnread: jest.fn(async () => 4),
  };
  const service = new NotificationsService(repo as unknown as NotificationsRepository);

  beforeEach(() => jest.clearAllMocks());

  it('marks the caller\'s notification read, and answers 404 when the caller has no such notification', async () => {
    repo.markRead.mockResolvedValueOnce(true).mockResolvedValueOnce(false);
    await service.markRead(USER, ID);
    expect(repo.markRead).toHaveBeenCalledWith(USER, ID);
    await expect(service.markRead(USER, OTHER_ID)).rejects.toBeInstanceOf(NotFoundException);
  });

  it('marks the given ids, or all of them', async () => {
    await service.markManyRead(USER, { ids: [ID, OTHER_ID] });
    expect(repo.markManyRead).toHaveBeenCalledWith(USER, [ID, OTHER_ID]);
    expect(repo.markAllRead).not.toHaveBeenCalled();

    await service.markManyRead(USER, { all: true });
    expect(repo.markAllRead).toHaveBeenCalledWith(USER);
    expect(repo.markManyRead).toHaveBeenCalledTimes(1);
  });

  it('answers the unread count as {unread}', async () => {
    expect(await service.unreadCount(USER)).toEqual({ unread: 4 });
    expect(repo.countUnread).toHaveBeenCalledWith(USER);
  });
});
