import { parseRoute } from './router';

describe('parseRoute', () => {
  it.each([
    ['/', { name: 'photos' }],
    ['/feed', { name: 'feed' }],
    ['/u/ada_l', { name: 'profile', handle: 'ada_l' }],
    ['/u/Ada', { name: 'missing' }], // handles are lower-case, as the API's pattern
    ['/u/ab', { name: 'missing' }],
    ['/feed/more', { name: 'missing' }],
    ['/nowhere', { name: 'missing' }],
  ])('%s → %j', (path, route) => {
    expect(parseRoute(path)).toEqual(route);
  });
});
