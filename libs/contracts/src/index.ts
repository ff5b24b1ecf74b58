export * from './image-uploaded.message';
export * from './upload-event.job';
export * from './storage-keys';
export * from './thumbnail-variants';
export * from './live-notification';
export * from './fan-out.job';
export * from './uuid';
export * from './rabbit-events';
