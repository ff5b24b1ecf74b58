import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { DeliveriesRepository, type WebhookEndpoint, WebhookEndpointsRepository } from '@darkroom/database';
import { parseCursorParam } from '../http/page-cursor';
import { newWebhookSecret, WebhookDestinations } from '@darkroom/webhooks';
import type { AuthenticatedUser } from '../auth/auth.decorators';
import { CreatedWebhookDto, CreateWebhookDto, DeliveryPageDto, NOTIFICATION_KINDS, RotatedSecretDto, WebhookDto } from './dto/webhook.dto';

/** Enough for a user's integrations; a cap so that one account cannot make every notification a hundred requests. */
export const MAX_ENDPOINTS_PER_USER = 10;
/** How long the previous secret keeps signing after a rotation: a day to deploy the new one. */
export const PREVIOUS_SECRET_HOURS = 24;

@Injectable()
export class WebhooksService {
  constructor(
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly destinations: WebhookDestinations,
    private readonly deliveries: DeliveriesRepository,
  ) {}

  async register(user: AuthenticatedUser, input: CreateWebhookDto): Promise<CreatedWebhookDto> {
    const endpoint = await this.newEndpoint(input.url, input.kinds);
    const created = await this.endpoints.create(user.id, endpoint, MAX_ENDPOINTS_PER_USER);
    if (created === 'limit') throw new ConflictException(`you have ${MAX_ENDPOINTS_PER_USER} webhook endpoints, the most there can be; delete one first`);
    return { ...view(created), secret: endpoint.secret };
  }

  /**
   * An endpoint to record (for `POST /v1/webhooks`, and for the `webhookUrl` of a sign-up): the URL checked
   * where it points (400 with the reason when refused), the kinds (all by default), a new secret.
   */
  async newEndpoint(url: string, kinds: CreateWebhookDto['kinds']): Promise<{ url: string; kinds: NonNullable<CreateWebhookDto['kinds']>; secret: string }> {
    const checked = await this.destinations.check(url);
    if ('refused' in checked) throw new BadRequestException(checked.refused);
    return { url: checked.url.href, kinds: kinds ?? NOTIFICATION_KINDS, secret: newWebhookSecret() };
  }

  async list(user: AuthenticatedUser): Promise<WebhookDto[]> {
    return (await this.endpoints.listByUser(user.id)).map(view);
  }

  async get(user: AuthenticatedUser, id: string): Promise<WebhookDto> {
    return view((await this.endpoints.findOwned(id, user.id)) ?? notFound(id));
  }

  async remove(user: AuthenticatedUser, id: string): Promise<void> {
    if (!(await this.endpoints.deleteOwned(id, user.id))) notFound(id);
  }

  /** The endpoint's delivery log, newest first; 404 for someone else's endpoint. */
  async deliveryLog(user: AuthenticatedUser, id: string, cursor: string | undefined, limit = 20): Promise<DeliveryPageDto> {
    if (!(await this.endpoints.findOwned(id, user.id))) notFound(id);
    return this.deliveries.listForEndpoint(id, user.id, parseCursorParam(cursor), limit);
  }

  /** Sends a delivered or given-up delivery again, with the same webhook-id; 404 when there is no such one, 409 while pending. */
  async resend(user: AuthenticatedUser, id: string, deliveryId: string): Promise<void> {
    const endpoint = (await this.endpoints.findOwned(id, user.id)) ?? notFound(id);
    if (!endpoint.enabled) throw new ConflictException(`webhook ${id} is disabled (${endpoint.disabledReason}); register it again to send to it`);
    if (await this.deliveries.resend(deliveryId, id, user.id)) return;
    throw new NotFoundException(`delivery ${deliveryId} of webhook ${id} not found, or still pending`);
  }

  async rotateSecret(user: AuthenticatedUser, id: string): Promise<RotatedSecretDto> {
    const secret = newWebhookSecret();
    const until = new Date(Date.now() + PREVIOUS_SECRET_HOURS * 3600_000);
    if (!(await this.endpoints.rotateSecret(id, user.id, secret, until))) notFound(id);
    return { secret, previousSecretValidUntil: until };
  }
}

export function view(endpoint: WebhookEndpoint): WebhookDto {
  const { id, url, kinds, enabled, disabledReason, createdAt } = endpoint;
  return { id, url, kinds, enabled, disabledReason, createdAt };
}

/** Someone else's endpoint does not exist for the caller: 404, never 403. */
function notFound(id: string): never {
  throw new NotFoundException(`webhook ${id} not found`);
}
