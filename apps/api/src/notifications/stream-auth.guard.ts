import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { UsersRepository } from '@darkroom/database';
import type { AuthenticatedRequest } from '../auth/auth.decorators';
import { TokenCallers } from '../auth/token-callers';
import { StreamTickets } from './stream-tickets';

/**
 * The stream's own door (the route is @Public for the global BearerAuthGuard):
 * a bearer header as everywhere, or else `?ticket=` from POST
 * /v1/notifications/tickets, for browsers, whose EventSource cannot send
 * headers. A header, when present, is the credential; the ticket is then
 * left unspent.
 */
@Injectable()
export class StreamAuthGuard implements CanActivate {
  constructor(
    private readonly callers: TokenCallers,
    private readonly users: UsersRepository,
    private readonly tickets: StreamTickets,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = req.headers.authorization;
    if (header) {
      req.user = await this.callers.fromAuthorization(header);
      return true;
    }
    const ticket = req.query.ticket;
    if (ticket === undefined) {
      throw new UnauthorizedException('send Authorization: Bearer <token>, or ?ticket= from POST /v1/notifications/tickets');
    }
    const userId = await this.tickets.redeem(ticket);
    const user = userId ? await this.users.findById(userId) : null;
    if (!user) throw new UnauthorizedException('the stream ticket is unknown, used or expired; POST /v1/notifications/tickets for a new one');
    req.user = user;
    return true;
  }
}
