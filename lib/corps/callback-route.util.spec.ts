import { describe, expect, it } from '@jest/globals';
import { callbackUrlPath, mountedPath, normalizePath } from './callback-route.util.js';

describe('callback route paths', () => {
  it('normalizes slashes the way Nest joins a prefix and a controller path', () => {
    expect(normalizePath('wecom/batch/callback')).toBe('/wecom/batch/callback');
    expect(normalizePath('//hooks//wecom/')).toBe('/hooks/wecom');
  });

  it('puts the global prefix in front unless the route is excluded from it', () => {
    const prefix = { prefix: '/api/', excludes: (path: string) => path === '/health' };
    expect(mountedPath('wecom/batch/callback', prefix)).toBe('/api/wecom/batch/callback');
    expect(mountedPath('/health', prefix)).toBe('/health');
    expect(mountedPath('hooks', undefined)).toBe('/hooks');
  });

  it("reads callback.url's path (trailing slash, query and host do not matter)", () => {
    expect(callbackUrlPath('https://hr.example.com:8443/api/wecom/?x=1')).toBe('/api/wecom');
    expect(callbackUrlPath('not a url')).toBeUndefined();
  });
});
