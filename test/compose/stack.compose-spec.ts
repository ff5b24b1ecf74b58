import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { eventually } from '../e2e/support/api-client';
import { freePort } from '../e2e/support/late-proxy';
import { grainyJpeg, orientedJpeg12mp, pngWithAlpha, smallJpeg, webp } from '../e2e/support/photos';
import { openStream } from '../e2e/support/sse-client';
import { ComposeProject, ContainerInfo } from './support/compose';
import { FrontDoor, Session, Upload } from './support/front-door';
import { events } from './support/pretty-log';

/**
 * docker-compose.yml, for real: built, started with four workers and two api
 * replicas behind nginx, fed photos through the published port, restarted,
 * taken down and brought back, then removed with its volumes. Needs a Docker
 * engine and `docker compose` (.ci/run prepares them with compose-lab).
 */
const ROOT = join(__dirname, '..', '..');
const APPS = ['api', 'worker', 'notifier'];
const SCALED = { api: 2, worker: 4, notifier: 1, nginx: 1, prometheus: 1, postgres: 1, rabbitmq: 1, redis: 1 };
const UP = ['up', '-d', '--scale', 'worker=4', '--scale', 'api=2'];

const work = mkdtempSync(join(tmpdir(), 'darkroom-compose-'));
const emptyEnvFile = join(work, 'empty.env');
writeFileSync(emptyEnvFile, ''); // a clean clone has no .env: the developer's own must not leak in
/** The shell's environment without anything docker-compose.yml reads: a LOG_FORMAT=json exported here must not change the stack under test. */
function cleanEnvironment(): NodeJS.ProcessEnv {
  const read = new Set([...readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8').matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]!));
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => (!read.has(name) && !name.startsWith('COMPOSE_')) || name === 'COMPOSE_DOCKER_CLI_BUILD'));
}
const project = new ComposeProject(
  process.env.DARKROOM_COMPOSE_PROJECT ?? `darkroomtest${randomBytes(3).toString('hex')}`,
  cleanEnvironment(),
  emptyEnvFile,
  join(work, 'transcript.log'),
);
let door: FrontDoor;
let alice: Session;
let bob: Session;
const batch1: string[] = [];
const batch2: string[] = [];

const serviceOf = (c: ContainerInfo) => c.Config.Labels['com.docker.compose.service']!;
/** INSTANCE_NAME in the containers is `<hostname>-<pid>`: the hostname is the container's short id. */
const instanceOf = (instance: string, containers: ContainerInfo[]) => containers.find((c) => instance.startsWith(`${c.Config.Hostname}-`));

async function prometheus<T>(path: string): Promise<T> {
  const { stdout } = await project.compose(['exec', '-T', 'prometheus', 'wget', '-qO-', `http://127.0.0.1:9090${path}`]);
  const body = JSON.parse(stdout) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error}`);
  return body.data;
}

/** Which worker instance developed each upload, from `docker compose logs worker`. */
async function developedBy(): Promise<Map<string, string[]>> {
  const developed = new Map<string, string[]>();
  for (const e of events(await project.logs('worker'), 'upload developed')) {
    const id = String(e.fields.uploadId);
    developed.set(id, [...(developed.get(id) ?? []), e.instance]);
  }
  return developed;
}

beforeAll(async () => {
  await project.docker(['version']).catch((error: Error) => {
    throw new Error(`no Docker engine: run \`../shared/compose-lab/lab prepare .\` and \`eval "$(../shared/compose-lab/lab env)"\` first (${error.message})`);
  });
  const port = await freePort();
  project.env.HTTP_PUBLISHED_PORT = String(port);
  door = new FrontDoor(`http://127.0.0.1:${port}`);
  process.stdout.write(`compose project ${project.name}, front door ${door.base}, transcript ${project.transcript}\n`);
});

afterAll(async () => {
  // Every container's log, for a post-mortem: `down` takes them away.
  const logs = await project.compose(['logs', '--no-color', '--timestamps'], 60_000).catch((error: Error) => ({ stdout: error.message }));
  writeFileSync(join(work, 'stack.log'), logs.stdout);
  process.stdout.write(`stack logs: ${join(work, 'stack.log')}\n`);
  // Always, whatever failed: containers, network, volumes and the images built for this project.
  await project.compose(['down', '-v', '--rmi', 'local', '--remove-orphans', '-t', '5'], 5 * 60_000);
  const { stdout } = await project.docker(['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project.name}`]);
  expect(stdout.trim()).toBe('');
});

describe('docker compose: the whole stack, four workers and two api replicas behind nginx', () => {
  it('builds, starts healthy, runs the apps as non-root with memory limits and a restart policy, and publishes nginx alone', async () => {
    await project.compose(['build'], 20 * 60_000);
    await project.compose(UP, 5 * 60_000);
    const all = await project.waitHealthy(SCALED);

    const migrate = all.filter((c) => serviceOf(c) === 'migrate');
    expect(migrate.map((c) => [c.State.Status, c.State.ExitCode])).toEqual([['exited', 0]]);
    for (const c of all.filter((c) => APPS.includes(serviceOf(c)))) {
      expect({ name: c.Name, user: c.Config.User, restart: c.HostConfig.RestartPolicy.Name }).toEqual({ name: c.Name, user: '1000:1000', restart: 'unless-stopped' });
    }
    // the front door too: every process in it runs as the unprivileged nginx user
    const [nginx] = all.filter((c) => serviceOf(c) === 'nginx');
    expect(nginx!.Config.User).toBe('101:101');
    const { stdout: uids } = await project.compose(['exec', '-T', 'nginx', 'sh', '-c', "grep -h '^Uid:' /proc/[0-9]*/status"]);
    const realUids = uids.trim().split('\n').map((line) => line.split(/\s+/)[1]);
    expect(realUids.length).toBeGreaterThanOrEqual(3); // master, a worker, this grep
    expect(new Set(realUids)).toEqual(new Set(['101']));
    for (const c of all.filter((c) => serviceOf(c) !== 'migrate')) expect({ name: c.Name, limited: c.HostConfig.Memory > 0 }).toEqual({ name: c.Name, limited: true });

    const published = all.flatMap((c) => Object.entries(c.NetworkSettings.Ports ?? {}).filter(([, bindings]) => bindings?.length).map(([port]) => `${serviceOf(c)} ${port}`));
    expect(published).toEqual(['nginx 8080/tcp']);

    // by the container's image id: Compose v1 names built images project_api, v2 project-api
    const [api] = all.filter((c) => serviceOf(c) === 'api');
    const image = JSON.parse((await project.docker(['image', 'inspect', api!.Image])).stdout) as Array<{ Size: number }>;
    const mb = Math.round(image[0]!.Size / 1e6);
    process.stdout.write(`app image: ${mb} MB\n`);
    expect(mb).toBeLessThan(600);
  });

  it('answers /health, /docs and /v1 through nginx, and nothing else (no /metrics from outside)', async () => {
    const ready = await door.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok' });
    const docs = await door.get('/docs');
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toMatch(/text\/html/);

    for (const path of ['/metrics', '/_media/originals/', '/no/such/page']) {
      const response = await door.get(path);
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
      expect(await response.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
    }
    const anonymous = await door.get('/v1/uploads');
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ statusCode: 401 });
  });

  it('serves the web page at / from nginx (built into its image), with its assets, and the page for its own routes', async () => {
    const page = await door.get('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const html = await page.text();
    expect(html).toContain('<div id="app">');
    expect(html).toContain('<title>darkroom</title>');
    const script = /<script type="module" crossorigin src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await door.get(script!);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    // the darkroom app itself, talking to the API through this same door
    expect(await asset.text()).toContain('/v1/notifications/stream');
    // a browser's navigation to one of the page's routes gets the page; the API's own paths stay the API's
    const route = await door.get('/u/somebody', undefined, { accept: 'text/html' });
    expect(route.status).toBe(200);
    expect(await route.text()).toBe(html);
    expect((await door.get('/v1/nope', undefined, { accept: 'text/html' })).status).toBe(404);
    expect((await door.get('/health/live', undefined, { accept: 'text/html' })).status).toBe(200);
  });

  it('develops 40 photos uploaded through the front door, shared by all four workers and both api replicas', async () => {
    [alice, bob] = await Promise.all([door.signUp(`alice_${project.name}`.slice(0, 30)), door.signUp(`bob_${project.name}`.slice(0, 30))]);
    const big = await orientedJpeg12mp(); // 12 MP, ~4 MB: over nginx's default body limit, within the worker's memory limit
    const photos: Array<[Buffer, string]> = [
      [big, 'big-1.jpg'],
      [big, 'big-2.jpg'],
      [await pngWithAlpha(), 'alpha.png'],
      [await webp(), 'flat.webp'],
      ...(await Promise.all(Array.from({ length: 36 }, async (_, i) => [await smallJpeg(i + 1), `small-${i}.jpg`] as [Buffer, string]))),
    ];
    batch1.push(...(await Promise.all(photos.map(([data, name]) => door.upload(alice, data, name)))));

    const views = await door.waitFinished(alice, batch1);
    expect(views.filter((v) => v.status !== 'done').map((v) => v.failureReason)).toEqual([]);
    expect(views.find((v) => v.id === batch1[0])).toMatchObject({ width: 3000, height: 4000 });

    const workers = await project.containers('worker');
    const developed = await developedBy();
    const perWorker = new Map<string, number>();
    for (const id of batch1) {
      const by = developed.get(id) ?? [];
      expect({ id, times: by.length }).toEqual({ id, times: 1 });
      const container = instanceOf(by[0]!, workers);
      expect(container).toBeDefined();
      perWorker.set(container!.Name, (perWorker.get(container!.Name) ?? 0) + 1);
    }
    process.stdout.write(`batch 1 per worker: ${JSON.stringify(Object.fromEntries(perWorker))}\n`);
    expect([...perWorker.keys()].sort()).toEqual(workers.map((c) => c.Name).sort());

    const apis = await project.containers('api');
    const acceptedBy = new Set(
      events(await project.logs('api'), 'upload accepted')
        .filter((e) => batch1.includes(String(e.fields.uploadId)))
        .map((e) => instanceOf(e.instance, apis)?.Name),
    );
    expect([...acceptedBy].sort()).toEqual(apis.map((c) => c.Name).sort());

    const after = await project.containers();
    expect(after.filter((c) => c.State.OOMKilled || c.RestartCount > 0).map((c) => c.Name)).toEqual([]);
  });

  it('logs one readable line per job (upload id, worker instance, variants, ms), tied to nginx and the api by the request id', async () => {
    const lines = (await project.logs('worker')).filter((l) => l.includes(batch1[0]!) && l.includes('upload developed'));
    expect(lines).toHaveLength(1);
    const [job] = events(lines);
    const requestId = String(job!.fields.requestId);
    expect(requestId).toMatch(/^[0-9a-f]{32}$/); // nginx's $request_id, passed on as X-Request-Id
    const uploadLine = (await project.logs('nginx')).filter((l) => l.includes(`request_id=${requestId}`));
    expect(uploadLine).toEqual([expect.stringMatching(/"POST \/v1\/uploads HTTP\/1\.1" 202 .* upstream=\S+:3000 /)]);
    expect(events(await project.logs('api'), 'upload accepted').find((e) => e.fields.uploadId === batch1[0])?.fields.requestId).toBe(requestId);
    expect(lines[0]).toMatch(
      new RegExp(`^worker[_-]\\d+\\s+\\| \\[\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\] INFO: worker/[0-9a-f]{12}-\\d+ upload developed \\{.*"uploadId":"${batch1[0]}".*"ms":\\d+.*"variants":\\["thumb 160x160 \\d+B","small \\d+x480 \\d+B","large \\d+x1440 \\d+B"\\]`),
    );
  });

  it('serves thumbnails from the volume through nginx, with cache headers, ETag and 304, only to a signed URL or the owner', async () => {
    const view = await door.json<Upload>(`/v1/uploads/${batch1[0]}`, alice);
    for (const thumbnail of view.thumbnails) {
      const response = await door.get(thumbnail.url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/webp');
      expect(response.headers.get('cache-control')).toBe('private, max-age=3600');
      expect(response.headers.get('last-modified')).toEqual(expect.any(String));
      // nginx's own static-file ETag (hex mtime-size): the bytes came from nginx, not through the api
      const etag = response.headers.get('etag')!;
      expect(etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
      const bytes = Buffer.from(await response.arrayBuffer());
      const metadata = await sharp(bytes).metadata();
      expect([metadata.format, metadata.width, metadata.height, bytes.length]).toEqual(['webp', thumbnail.width, thumbnail.height, thumbnail.bytes]);

      const again = await door.get(thumbnail.url, undefined, { 'if-none-match': etag });
      expect(again.status).toBe(304);
    }
    // the signatures just used stay out of nginx's access log
    const leaked = (await project.logs('nginx')).filter((line) => /[?&]sig=(?!\[redacted\])/.test(line));
    expect(leaked).toEqual([]);

    const path = new URL(view.thumbnails[0]!.url, door.base).pathname;
    expect((await door.get(path)).status).toBe(401);
    expect((await door.get(path, bob)).status).toBe(404);
    expect((await door.get(path, alice)).status).toBe(200);
  });

  it('lets the api judge an upload over MAX_UPLOAD_BYTES (JSON 413) and keeps nothing of it', async () => {
    const response = await door.postUpload(alice, Buffer.concat([await smallJpeg(99), randomBytes(51 * 1024 * 1024)]), 'too-big.jpg');
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ statusCode: 413, message: expect.stringContaining('MAX_UPLOAD_BYTES') });
    const { stdout } = await project.compose(['exec', '-T', 'api', 'find', '/data/tmp', '-type', 'f']);
    expect(stdout.trim()).toBe('');
  });

  it('is scraped by Prometheus: every replica up (four workers), the counts add up, the dashboard queries answer', async () => {
    type Target = { labels: { job: string; instance: string }; health: string };
    const targets = await eventually(
      'Prometheus to report 2 api, 4 worker and 1 notifier targets up',
      () => prometheus<{ activeTargets: Target[] }>('/api/v1/targets?state=active'),
      (data) => {
        const up = (job: string) => data.activeTargets.filter((t) => t.labels.job === job && t.health === 'up').length;
        return up('api') === 2 && up('worker') === 4 && up('notifier') === 1;
      },
    );
    expect(targets.activeTargets.filter((t) => t.labels.job === 'worker')).toHaveLength(4);

    type Vector = { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
    const query = (expr: string) => prometheus<Vector>(`/api/v1/query?query=${encodeURIComponent(expr)}`);
    const perReplica = await eventually(
      'every worker replica to report the jobs it processed',
      () => query('sum by (replica) (darkroom_jobs_total{outcome="processed"})'),
      (v) => v.result.length === 4 && v.result.reduce((sum, r) => sum + Number(r.value[1]), 0) >= 40,
    );
    expect(perReplica.result.every((r) => Number(r.value[1]) > 0)).toBe(true);
    await eventually('uploads accepted to add up to batch 1', () => query('sum(darkroom_uploads_accepted_total)'), (v) => Number(v.result[0]?.value[1]) === 40);
    await eventually('notifications sent to add up to batch 1', () => query('sum(darkroom_notifications_sent_total{kind="upload.processed"})'), (v) => Number(v.result[0]?.value[1]) === 40);

    // The Grafana dashboard (monitoring profile) asks Prometheus these: each must parse, and name only metrics that exist.
    const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/dashboards/darkroom.json'), 'utf8')) as { panels: Array<{ title: string; targets?: Array<{ expr: string }> }> };
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr.replaceAll('$__rate_interval', '1m') })));
    expect(exprs.length).toBeGreaterThanOrEqual(10);
    const known = new Set(await prometheus<string[]>('/api/v1/label/__name__/values'));
    for (const { panel, expr } of exprs) {
      await query(expr); // throws on a query Prometheus refuses
      const named = (expr.match(/\b(darkroom_\w+|process_\w+|up)\b/g) ?? []).filter((n) => !known.has(n));
      expect({ panel, expr, unknownMetrics: named }).toEqual({ panel, expr, unknownMetrics: [] });
    }
    const { stdout } = await project.compose(['--profile', 'monitoring', 'config']);
    expect(stdout).toContain('grafana/grafana');
  });

  it("runs the README's operations commands as written, each answering with what it promises", async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = /<!-- operations:start -->([\s\S]*?)<!-- operations:end -->/.exec(readme)?.[1] ?? '';
    const commands = block.split('\n').filter((line) => line.startsWith('docker '));
    expect(commands.length).toBeGreaterThanOrEqual(8);
    const outputs: Record<string, string> = {};
    for (const line of commands) {
      // The comment is for the reader; `sh -c` would take `#` as one too, but a `#` inside quotes would not be.
      const command = line.replace(/\s+#\s[^'"]*$/, '');
      outputs[command] = (await project.shell(command, ROOT)).stdout;
      expect({ command, printed: outputs[command]!.trim().length > 0 }).toEqual({ command, printed: true });
    }
    const of = (prefix: string) => Object.entries(outputs).find(([c]) => c.startsWith(prefix))?.[1] ?? '';
    expect(of('docker compose ps')).toMatch(/worker[_-]4 .*healthy/);
    expect(of('docker compose logs --tail 20 worker')).toContain('upload developed');
    expect(of('docker compose exec -T api')).toContain('"status":"ok"');
    expect(of('docker compose exec -T worker node')).toContain('darkroom_jobs_total{');
    expect(of('docker compose exec -T rabbitmq')).toMatch(/images\.process\s+\d+\s+4/);
    expect(of('docker compose exec -T postgres')).toMatch(/done\s+\|\s+40/);
    expect(of('docker volume ls')).toContain(`${project.name}_photos`);
  });

  // After the Prometheus counts and the operations block, which add up batch 1 alone.
  it("streams a follower's notification through nginx (Server-Sent Events, a ticket, either api replica)", async () => {
    const suffix = randomBytes(3).toString('hex');
    const [carol, dave] = await Promise.all([door.signUp(`carol_${suffix}`), door.signUp(`dave_${suffix}`)]);
    const followed = await fetch(door.url(`/v1/users/${carol.handle}/follow`), { method: 'PUT', headers: { authorization: `Bearer ${dave.token}` } });
    expect(followed.status).toBe(204);
    // As a browser's EventSource would: no header, a single-use ticket in the URL.
    const issued = await fetch(door.url('/v1/notifications/tickets'), { method: 'POST', headers: { authorization: `Bearer ${dave.token}` } });
    expect(issued.status).toBe(201);
    const { ticket } = (await issued.json()) as { ticket: string };
    const stream = await openStream(door.url(`/v1/notifications/stream?ticket=${encodeURIComponent(ticket)}`));
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toBe('text/event-stream');
      await stream.waitFor((s) => s.retry !== undefined, 10_000); // nginx passes the first bytes on at once: unbuffered
      const id = await door.upload(carol, await smallJpeg(4242), 'streamed.jpg');
      await stream.waitFor((s) => s.events.some((e) => e.event === 'notification' && JSON.parse(e.data).uploadId === id), 60_000);
      const event = stream.events.find((e) => JSON.parse(e.data).uploadId === id)!;
      expect(JSON.parse(event.data)).toMatchObject({ kind: 'followee.posted', uploadId: id, actor: { handle: carol.handle } });
      expect(stream.ended).toBe(false);
    } finally {
      stream.close();
    }
  });

  it('restarts the workers in the middle of a second batch: every upload ends done, none is developed twice', async () => {
    const photos = await Promise.all(Array.from({ length: 40 }, () => grainyJpeg(1600, 1200)));
    batch2.push(...(await Promise.all(photos.slice(0, 20).map((data, i) => door.upload(alice, data, `grain-${i}.jpg`)))));
    await eventually('a first photo of batch 2 to be developed', developedBy, (developed) => batch2.some((id) => developed.has(id)));
    const before = new Date();
    const restart = project.compose(['restart', 'worker'], 3 * 60_000);
    // the second half arrives while the workers stop and start again
    batch2.push(...(await Promise.all(photos.slice(20).map((data, i) => door.upload(alice, data, `grain-${20 + i}.jpg`)))));
    await restart;

    const workers = await project.waitHealthy({ worker: 4 });
    const restarted = workers.filter((c) => serviceOf(c) === 'worker');
    expect(restarted.every((c) => new Date(c.State.StartedAt) >= before)).toBe(true);
    // each of the four stopped on SIGTERM as it should, none was killed at the end of its grace period:
    // it stopped consuming, finished what it held, and closed down to its last step
    const workerLog = await project.logs('worker');
    writeFileSync(join(work, 'worker-restart.log'), workerLog.join('\n')); // the next test's `down` takes these away
    const drains = events(workerLog, 'stopped consuming; finishing the jobs in hand');
    const closedBy = (msg: string) => [...new Set(events(workerLog, msg).map((e) => instanceOf(e.instance, restarted)?.Name))].sort();
    expect({ drained: closedBy('stopped consuming; finishing the jobs in hand'), closed: closedBy('consumer closed') }).toEqual({
      drained: restarted.map((c) => c.Name).sort(),
      closed: restarted.map((c) => c.Name).sort(),
    });
    process.stdout.write(`jobs in hand when the workers were told to stop: ${drains.reduce((n, e) => n + Number(e.fields.inFlight), 0)}\n`);

    const views = await door.waitFinished(alice, batch2);
    expect(views.map((v) => v.status)).toEqual(batch2.map(() => 'done'));
    const developed = await developedBy();
    expect(batch2.filter((id) => developed.get(id)?.length !== 1)).toEqual([]);

    const notifications = await door.all<{ kind: string; uploadId: string }>('/v1/notifications', alice);
    for (const id of batch2) expect({ id, processed: notifications.filter((n) => n.uploadId === id && n.kind === 'upload.processed').length }).toEqual({ id, processed: 1 });
  });

  it('keeps users, uploads, thumbnails and notifications across `down` and `up` (volumes kept)', async () => {
    const uploadsBefore = await door.all<Upload>('/v1/uploads', alice);
    const notificationsBefore = await door.all<{ id: string }>('/v1/notifications', alice);
    expect(uploadsBefore).toHaveLength(80);
    expect(notificationsBefore).toHaveLength(80);
    const sample = await door.json<Upload>(`/v1/uploads/${batch1[0]}`, alice);
    const thumbBefore = Buffer.from(await (await door.get(sample.thumbnails[2]!.url)).arrayBuffer());

    await project.compose(['down', '-t', '30'], 3 * 60_000);
    expect(await project.containers()).toEqual([]);
    await project.compose(UP, 5 * 60_000);
    await project.waitHealthy(SCALED);

    expect((await door.get('/v1/me', alice)).status).toBe(200);
    const uploadsAfter = await door.all<Upload>('/v1/uploads', alice);
    expect(uploadsAfter.map((u) => [u.id, u.status])).toEqual(uploadsBefore.map((u) => [u.id, 'done']));
    expect((await door.all<{ id: string }>('/v1/notifications', alice)).map((n) => n.id)).toEqual(notificationsBefore.map((n) => n.id));
    const fresh = await door.json<Upload>(`/v1/uploads/${batch1[0]}`, alice);
    const thumbAfter = Buffer.from(await (await door.get(fresh.thumbnails[2]!.url)).arrayBuffer());
    expect(thumbAfter.equals(thumbBefore)).toBe(true);
    expect(thumbAfter.length).toBe(fresh.thumbnails[2]!.bytes);
  });
});
