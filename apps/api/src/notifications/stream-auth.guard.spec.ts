import { ExecutionContext, UnauthorizedException } from '@nestjs/common';
import type { UserEntity, UsersRepository } from '@darkroom/database';
import { hashApiToken } from '../auth/api-token';
import type { AuthenticatedRequest } from '../auth/auth.decorators';
import { MemoryCache } from '@darkroom/cache';
import { TokenCallers } from '../auth/token-callers';
import { StreamAuthGuard } from './stream-auth.guard';
import type { StreamTickets } from './stream-tickets';

const ADA = { id: '3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d', handle: 'ada_l', displayName: null, email: null, createdAt: new Date('2025-03-14T12:00:00.000Z') } as UserEntity;
const TOKEN = 'drk_valid-token';

function contextOf(req: Partial<AuthenticatedRequest>): { context: ExecutionContext; req: AuthenticatedRequest } {
  const full = { headers: {}, query: {}, ...req } as AuthenticatedRequest;
  return { context: { switchToHttp: () => ({ getRequest: () => full }) } as unknown as ExecutionContext, req: full };
}

describe('StreamAuthGuard', () => {
  const users = {
    findByTokenHash: jest.fn(async (hash: string) => (hash === hashApiToken(TOKEN) ? ADA : null)),
    findById: jest.fn(async (id: string) => (id === ADA.id ? ADA : null)),
  };
  const redeem = jest.fn(async (ticket: unknown) => (ticket === 'good-ticket' ? ADA.id : null));
  const guard = new StreamAuthGuard(new TokenCallers(users as unknown as UsersRepository, new MemoryCache()), users as unknown as UsersRepository, { redeem } as unknown as StreamTickets);

  beforeEach(() => jest.clearAllMocks());

  it('lets a valid bearer token in, leaving any ticket unspent', async () => {
    const { context, req } = contextOf({ headers: { authorization: `Bearer ${TOKEN}` }, query: { ticket: 'good-ticket' } });
    await expect(guard.canActivate(context)).resolves.toBe(true);
    expect(req.user).toEqual(ADA); // the caller's fields, as the global guard sees them (through the token cache)
    expect(redeem).not.toHaveBeenCalled();
  });

  it('refuses a bad bearer token even when a good ticket comes with it', async () => {
    const { context } = contextOf({ headers: { authorization: 'Bearer drk_wrong' }, query: { ticket: 'good-ticket' } });
    await expect(guard.canActivate(context)).rejects.toBeInstanceOf(UnauthorizedException);
    expect(redeem).not.toHaveBeenCalled();
  });

  it('lets a ticket in as the user it was issued to', async () => {
    const { context, req } = contextOf({ query: { ticket: 'good-ticket' } });
    await expect(guard.canActivate(context)).resolves.toBe(true);
    expect(req.user).toBe(ADA);
    expect(redeem).toHaveBeenCalledWith('good-ticket');
  });

  it.each([
    ['an unknown, used or expired ticket', { ticket: 'spent' }, /ticket is unknown, used or expired/],
    ['no credential at all', {}, /Bearer <token>, or \?ticket=/],
  ])('answers 401 to %s', async (_label, query, message) => {
    const { context } = contextOf({ query });
    await expect(guard.canActivate(context)).rejects.toThrow(message);
  });

  it('answers 401 to a ticket whose user no longer exists', async () => {
    redeem.mockResolvedValueOnce('0b9c4e1a-2d3f-4a5b-8c6d-7e8f9a0b1c2d');
    const { context } = contextOf({ query: { ticket: 'orphan' } });
    await expect(guard.canActivate(context)).rejects.toBeInstanceOf(UnauthorizedException);
  });
});
