/** The shapes of the /v1 API this page reads (OpenAPI at /docs). */
export interface Session {
  id: string;
  handle: string;
  token: string;
}

export type UploadStatus = 'queued' | 'processing' | 'done' | 'failed';

export interface Thumbnail {
  variant: 'thumb' | 'small' | 'large' | string;
  width: number;
  height: number;
  bytes: number;
  url: string;
}

export interface Upload {
  id: string;
  status: UploadStatus;
  caption: string | null;
  originalName: string | null;
  width: number | null;
  height: number | null;
  thumbhash: string | null;
  createdAt: string;
  failureReason: string | null;
  thumbnails: Thumbnail[];
  /** Feed items only. */
  owner?: { id: string; handle: string };
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type UploadNotificationKind = 'upload.processed' | 'upload.failed' | 'followee.posted';
export type NotificationKind = UploadNotificationKind | 'webhook.disabled';

/** webhook.disabled is about one of your webhook endpoints, not an upload: its uploadId is null. */
export type Notification = {
  id: string;
  actor: { handle: string };
  createdAt: string;
  readAt: string | null;
} & ({ kind: UploadNotificationKind; uploadId: string } | { kind: 'webhook.disabled'; uploadId: null });

/** An item of GET /v1/users/:handle/followers and …/following. */
export interface Person {
  id: string;
  handle: string;
  displayName: string | null;
  followedAt: string;
}

export interface Profile {
  id: string;
  handle: string;
  displayName: string | null;
  followers: number;
  following: number;
  uploads: number;
  followedByMe: boolean;
}
