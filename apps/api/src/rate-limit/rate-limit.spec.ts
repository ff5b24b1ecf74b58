import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { policyOf, RateLimited, tooManyMessage, trackerOf } from './rate-limit';

class Routes {
  @RateLimited('signUp')
  register(): void {}

  plain(): void {}
}

const contextOf = (handler: keyof Routes) => ({ getHandler: () => Routes.prototype[handler], getClass: () => Routes }) as unknown as ExecutionContext;

describe('rate limit policies', () => {
  it('reads the policy of a route, and refuses a route that uses the guard without one', () => {
    const reflector = new Reflector();
    expect(policyOf(reflector, contextOf('register'))).toBe('signUp');
    expect(() => policyOf(reflector, contextOf('plain'))).toThrow('Routes.plain uses the ThrottlerGuard without @RateLimited()');
  });

  it('counts uploads by user and sign-ups by address, an IPv6 address by its /64', () => {
    const req = (ip: string, user?: { id: string }) => ({ ip, user, socket: {} }) as unknown as Request;
    expect(trackerOf('uploads', req('10.0.0.1', { id: 'u1' }))).toBe('user:u1');
    expect(trackerOf('signUp', req('10.0.0.1', { id: 'u1' }))).toBe('ip:10.0.0.1');
    expect(trackerOf('signUp', req('2001:db8:1:2:aaaa::1'))).toBe(trackerOf('signUp', req('2001:db8:1:2:bbbb::9')));
    expect(trackerOf('signUp', req('2001:db8:1:2::1'))).not.toBe(trackerOf('signUp', req('2001:db8:1:3::1')));
  });

  it('says what was limited and when to come back', () => {
    expect(tooManyMessage('signUp', { limit: 20, windowSeconds: 3600 }, 42)).toBe('too many sign-ups from this address: at most 20 per 3600 s; try again in 42 s');
    expect(tooManyMessage('uploads', { limit: 5, windowSeconds: 60 }, 7)).toBe('too many uploads: at most 5 per 60 s; try again in 7 s');
  });
});
