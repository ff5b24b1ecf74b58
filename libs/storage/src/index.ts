export { PhotoStore, type StoredFile, type TempFile } from './photo-store';
export { VolumeStore } from './volume-store';
export { StorageModule } from './storage.module';
export { DISK_USED_WARN_RATIO, StorageHealth } from './storage-health';
export { MemoryPhotoStore } from './memory-photo-store';
