import { useState } from 'preact/hooks';
import type { Transfer, TransferState } from '../transfers';

const LABEL: Record<TransferState, string> = {
  waiting: 'waiting to upload',
  uploading: 'uploading',
  queued: 'queued: waiting for a darkroom worker',
  processing: 'developing',
  done: 'done',
  failed: 'could not be developed',
  rejected: 'not accepted',
};

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Pick or drop photos; each file gets a row: a real progress bar while its bytes go up, then its state. */
export function Uploader({ transfers, onFiles, onClear }: { transfers: Transfer[]; onFiles: (files: File[]) => void; onClear: () => void }) {
  const [over, setOver] = useState(false);
  const settled = transfers.filter((t) => t.state === 'done' || t.state === 'failed' || t.state === 'rejected').length;
  return (
    <section class="uploader" aria-label="Upload photos">
      <div
        class={`dropzone${over ? ' is-over' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          const files = [...(e.dataTransfer?.files ?? [])];
          if (files.length) onFiles(files);
        }}
      >
        <p>Drop photos here, or</p>
        <label class="button button-primary">
          Choose photos
          <input
            type="file"
            class="visually-hidden"
            accept="image/jpeg,image/png,image/webp,image/gif,image/tiff,image/avif"
            multiple
            onChange={(e) => {
              const input = e.currentTarget;
              const files = [...(input.files ?? [])];
              input.value = ''; // the same file can be chosen again
              if (files.length) onFiles(files);
            }}
          />
        </label>
        <p class="hint">JPEG, PNG, WebP, GIF, TIFF or AVIF</p>
      </div>
      {transfers.length ? (
        <>
          <ul class="transfers" aria-label="Uploads in progress" aria-live="polite">
            {transfers.map((t) => (
              <li key={t.key} class={`transfer transfer-${t.state}`} data-state={t.state}>
                <span class="transfer-name" title={t.name}>
                  {t.name}
                </span>
                <span class="transfer-size">{size(t.bytes)}</span>
                <progress
                  class="transfer-progress"
                  max={t.bytes || 1}
                  value={t.state === 'waiting' ? 0 : t.state === 'uploading' ? t.sent : t.bytes || 1}
                  aria-label={`${t.name} upload progress`}
                />
                <span class="transfer-state">
                  {t.state === 'uploading' ? `uploading ${Math.round((100 * t.sent) / (t.bytes || 1))}%` : LABEL[t.state]}
                  {t.reason ? <span class="transfer-reason">: {t.reason}</span> : null}
                </span>
              </li>
            ))}
          </ul>
          {settled === transfers.length ? (
            <button type="button" class="button button-quiet" onClick={onClear}>
              Clear this list
            </button>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
