export { PhotoStore, type StoredFile, type TempFile } from './photo-store';
export { VolumeStore } from './volume-store';
export { StorageModule } from './storage.module';
export { StorageHealth } from './storage-health';
export { MemoryPhotoStore } from './memory-photo-store';
