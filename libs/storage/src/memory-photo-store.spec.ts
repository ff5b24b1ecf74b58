import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { MemoryPhotoStore } from './memory-photo-store';

// The fake other specs rely on must keep the real store's contract.
describe('MemoryPhotoStore', () => {
  it('hides a temp file until it is committed under a key, then serves it', async () => {
    const store = new MemoryPhotoStore();
    const temp = store.createTemp();
    await pipeline(Readable.from([Buffer.from('ab'), Buffer.from('cd')]), temp.stream);
    expect(await store.read('originals/2026/01/x')).toBeNull();
    await store.commitTemp(temp.id, 'originals/2026/01/x');
    const file = await store.read('originals/2026/01/x');
    expect(file?.bytes).toBe(4);
    expect(Buffer.concat(await file!.stream.toArray()).toString()).toBe('abcd');
    expect(store.temps.size).toBe(0);
  });

  it('fails commits while failCommit is set, keeping the temp file', async () => {
    const store = new MemoryPhotoStore();
    store.received('tmp/a', Buffer.from('x'));
    store.failCommit = new Error('ENOSPC');
    await expect(store.commitTemp('tmp/a', 'k')).rejects.toThrow('ENOSPC');
    expect(store.temps.has('tmp/a')).toBe(true);
    expect(store.files.size).toBe(0);
  });
});
