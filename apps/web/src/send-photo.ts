import { authHeader, reasonOf } from './api';

export type SendResult = { ok: true; id: string } | { ok: false; reason: string };

/**
 * POST /v1/uploads of one file with XMLHttpRequest, not fetch: only XHR reports how many bytes of the
 * body have gone up, which is what the progress bar shows. A refusal (413, 415, 429 …) resolves with
 * the API's own reason, so the page can say why next to the file.
 */
export function sendPhoto(file: File, onProgress: (sent: number, total: number) => void): Promise<SendResult> {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/v1/uploads');
    for (const [name, value] of Object.entries(authHeader())) xhr.setRequestHeader(name, value);
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    };
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        /* not JSON: a proxy's page */
      }
      const id = (body as { id?: unknown } | null)?.id;
      if (xhr.status === 202 && typeof id === 'string') resolve({ ok: true, id });
      else resolve({ ok: false, reason: reasonOf(xhr.status, body) });
    };
    xhr.onerror = () => resolve({ ok: false, reason: reasonOf(0, null) });
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
}
