import { SetMetadata } from '@nestjs/common';

export const PUBLIC_ROUTE = 'darkroom:public';

/** Route needs no bearer token: sign-up, health checks, metrics. The api's auth guard reads this. */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);
