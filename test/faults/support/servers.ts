import { ChildProcess, execFile, spawn } from 'node:child_process';
import { chownSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { connect } from 'amqplib';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { freePort } from '../../e2e/support/late-proxy';

const run = promisify(execFile);
/** The newest Postgres of the Debian packages (initdb and pg_ctl are not on the PATH there). */
function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error(`no initdb under ${root}: install the postgresql package (.ci/run does)`);
  return join(root, newest, 'bin');
}
const PG_BIN = postgresBin();
const AS_ROOT = process.getuid?.() === 0;
const RABBITMQ_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';

/**
 * Private Postgres, RabbitMQ and Redis servers for the faults suite: each in a temp dir of its own, on ports
 * picked free, so that a test may stop, kill and restart them without touching the machine's services or
 * another run's. start() and restart() return once a real client connection succeeds.
 */
export interface TestServer {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  start(): Promise<void>;
  /** A clean shutdown (data flushed), returning once the process has exited. */
  stop(): Promise<void>;
  /** SIGKILL, no shutdown. */
  kill(): Promise<void>;
  restart(): Promise<void>;
  /** Stops whatever is still running and removes the temp dir; safe to call twice, or after a failed start. */
  destroy(): Promise<void>;
}

/** Polls `probe` until it resolves, failing after `timeoutMs` with its last error (and `context`). */
export async function waitFor(what: string, probe: () => Promise<unknown>, timeoutMs: number, context: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      await probe();
      return;
    } catch (error) {
      last = error;
    }
    await sleep(100);
  }
  throw new Error(`${what} not ready within ${timeoutMs} ms: ${(last as Error)?.message}\n${context()}`);
}

function tail(path: string, lines = 30): string {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n') : '(no log)';
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function tempDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `darkroom-faults-${name}-`));
}

/** What every server here does the same way: restart is stop then start; destroy stops it (or kills it) and removes its dir. */
abstract class ServerInTempDir implements TestServer {
  abstract readonly name: string;
  abstract readonly port: number;
  abstract readonly dir: string;
  abstract get url(): string;
  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;
  abstract kill(): Promise<void>;

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async destroy(): Promise<void> {
    await this.stop().catch(() => this.kill());
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A long-running server process in its own process group, so kill() reaches its children too. */
abstract class SpawnedServer extends ServerInTempDir {
  protected child?: ChildProcess;
  protected readonly log: string;

  protected constructor(
    readonly name: string,
    readonly port: number,
    readonly dir: string,
  ) {
    super();
    this.log = join(dir, `${name}.log`);
  }

  abstract get url(): string;
  protected abstract command(): { file: string; args: string[]; env?: NodeJS.ProcessEnv; cwd?: string };
  protected abstract probe(): Promise<void>;
  protected abstract readyTimeoutMs: number;

  async start(): Promise<void> {
    if (this.child) throw new Error(`${this.name} is already running`);
    const { file, args, env, cwd } = this.command();
    const out = createWriteStream(this.log, { flags: 'a' });
    const child = spawn(file, args, { cwd: cwd ?? this.dir, env: env ?? process.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.pipe(out);
    child.stderr!.pipe(out);
    this.child = child;
    await waitFor(
      this.name,
      async () => {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited (${child.exitCode ?? child.signalCode})`);
        await this.probe();
      },
      this.readyTimeoutMs,
      () => tail(this.log),
    ).catch(async (error) => {
      await this.kill();
      throw error;
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const gone = exited(child);
    child.kill('SIGTERM');
    const force = setTimeout(() => this.signalGroup(child, 'SIGKILL'), 30_000);
    await gone;
    clearTimeout(force);
    this.child = undefined;
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const gone = exited(child);
    this.signalGroup(child, 'SIGKILL');
    await gone;
    this.child = undefined;
  }

  private signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      /* already gone */
    }
  }
}

/** redis-server with AOF on (fsync on every write), so queued BullMQ jobs survive a stop or a kill. */
export class RedisServer extends SpawnedServer {
  protected readyTimeoutMs = 15_000;

  private constructor(port: number, dir: string) {
    super('redis', port, dir);
  }

  static async create(): Promise<RedisServer> {
    return new RedisServer(await freePort(), tempDir('redis'));
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  protected command() {
    const args = ['--bind', '127.0.0.1', '--port', String(this.port), '--dir', this.dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'];
    return { file: '/usr/bin/redis-server', args };
  }

  protected async probe(): Promise<void> {
    const redis = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await redis.connect();
      // While it loads the AOF, Redis answers -LOADING: not ready yet.
      await redis.ping();
    } finally {
      redis.disconnect();
    }
  }
}

/** A RabbitMQ node of its own (node name, AMQP and distribution ports, data, logs, cookie); no plugins. */
export class RabbitServer extends SpawnedServer {
  protected readyTimeoutMs = 60_000;
  readonly nodeName: string;

  private constructor(
    port: number,
    private readonly distPort: number,
    dir: string,
  ) {
    super('rabbitmq', port, dir);
    this.nodeName = `faults-${port}@localhost`;
    mkdirSync(join(dir, 'mnesia'));
    mkdirSync(join(dir, 'log'));
    writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
    writeFileSync(join(dir, 'rabbitmq.conf'), `listeners.tcp.1 = 127.0.0.1:${port}\nloopback_users = none\n`);
  }

  static async create(): Promise<RabbitServer> {
    const [port, distPort] = await Promise.all([freePort(), freePort()]);
    return new RabbitServer(port, distPort, tempDir('rabbitmq'));
  }

  get url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.port}`;
  }

  /** rabbitmqctl against this node (same HOME, so the same cookie). */
  async ctl(...args: string[]): Promise<string> {
    return (await run('/usr/lib/rabbitmq/bin/rabbitmqctl', ['-n', this.nodeName, ...args], { env: this.env() })).stdout;
  }

  private env(): NodeJS.ProcessEnv {
    const { dir } = this;
    return {
      PATH: process.env.PATH,
      // The Erlang cookie is created in (and read from) $HOME.
      HOME: dir,
      RABBITMQ_NODENAME: this.nodeName,
      RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
      RABBITMQ_NODE_PORT: String(this.port),
      RABBITMQ_DIST_PORT: String(this.distPort),
      RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(dir, 'log'),
      RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
      RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
      RABBITMQ_PID_FILE: join(dir, 'rabbitmq.pid'),
      ERL_EPMD_ADDRESS: '127.0.0.1',
    };
  }

  protected command() {
    // The start script traps SIGTERM and stops the node properly (rabbitmqctl stop).
    return { file: RABBITMQ_SERVER, args: [], env: this.env() };
  }

  protected async probe(): Promise<void> {
    // Its AMQP listener opens after `ping` answers: only a real AMQP connection says it is ready.
    const connection = await connect(this.url);
    await connection.close();
  }
}

/** A Postgres cluster made by initdb (trust auth on 127.0.0.1), run as the postgres user through pg_ctl. */
export class PostgresServer extends ServerInTempDir {
  readonly name = 'postgres';
  private running = false;
  private readonly data: string;
  private readonly log: string;

  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {
    super();
    this.data = join(dir, 'data');
    this.log = join(dir, 'postgres.log');
  }

  static async create(): Promise<PostgresServer> {
    const server = new PostgresServer(await freePort(), tempDir('postgres'));
    if (AS_ROOT) {
      // initdb and postgres refuse to run as root: as root, they run as postgres, in a dir it owns.
      const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]).then((ids) => ids.map((id) => Number(id.stdout.trim())));
      chownSync(server.dir, uid!, gid!);
    }
    try {
      await server.asPostgres(`${PG_BIN}/initdb`, ['-D', server.data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    } catch (error) {
      rmSync(server.dir, { recursive: true, force: true });
      throw error;
    }
    return server;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    // -k: the Unix socket in our own dir, never /var/run/postgresql (the machine's cluster lives there).
    const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -k ${this.dir} -c fsync=off -c full_page_writes=off -c max_connections=200`;
    try {
      await this.asPostgres(`${PG_BIN}/pg_ctl`, ['-D', this.data, '-l', this.log, '-o', options, '-w', '-t', '60', 'start']);
    } catch (error) {
      throw new Error(`postgres did not start: ${(error as Error).message}\n${tail(this.log)}`, { cause: error });
    }
    this.running = true;
    await waitFor(
      'postgres',
      async () => {
        const client = new Client({ connectionString: `${this.url}/postgres` });
        await client.connect();
        await client.end();
      },
      30_000,
      () => tail(this.log),
    );
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    await this.asPostgres(`${PG_BIN}/pg_ctl`, ['-D', this.data, '-m', 'fast', '-w', 'stop']);
    this.running = false;
  }

  async kill(): Promise<void> {
    const pidFile = join(this.data, 'postmaster.pid');
    if (!existsSync(pidFile)) return;
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    // Its backends notice that the postmaster is gone and exit by themselves.
    await waitFor(
      'the postmaster to die',
      async () => {
        try {
          process.kill(pid, 0);
        } catch {
          return;
        }
        throw new Error(`pid ${pid} still running`);
      },
      15_000,
    );
    this.running = false;
  }

  private async asPostgres(file: string, args: string[]): Promise<void> {
    const [command, commandArgs] = AS_ROOT ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
    await run(command, commandArgs, { cwd: this.dir, env: { PATH: process.env.PATH } });
  }
}
