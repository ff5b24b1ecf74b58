import { execFile } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** What `docker inspect` says of a container, as far as the suite reads it. */
export interface ContainerInfo {
  Id: string;
  Name: string;
  /** Id of the image the container runs. */
  Image: string;
  Config: { Hostname: string; User: string; Labels: Record<string, string> };
  State: { Status: string; ExitCode: number; OOMKilled: boolean; StartedAt: string; Health?: { Status: string } };
  RestartCount: number;
  HostConfig: { Memory: number; RestartPolicy: { Name: string } };
  NetworkSettings: { Ports: Record<string, Array<{ HostIp: string; HostPort: string }> | null> };
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/**
 * One compose project of docker-compose.yml, driven through the `docker
 * compose` CLI as an operator would. Its own project name keeps its
 * containers, network and volumes apart from any other stack on the machine;
 * every command and its output is appended to `transcript` for the post-mortem.
 */
export class ComposeProject {
  constructor(
    readonly name: string,
    /** The environment of every command (the compose file reads HTTP_PUBLISHED_PORT and friends from it). */
    readonly env: NodeJS.ProcessEnv,
    private readonly envFile: string,
    readonly transcript: string,
  ) {
    writeFileSync(transcript, '');
  }

  /** `docker compose <args>`; rejects with the command's output when it exits non-zero. */
  compose(args: string[], timeoutMs = 5 * 60_000): Promise<RunResult> {
    return this.exec('docker', ['compose', '--project-name', this.name, '--env-file', this.envFile, ...args], timeoutMs);
  }

  docker(args: string[], timeoutMs = 60_000): Promise<RunResult> {
    return this.exec('docker', args, timeoutMs);
  }

  /** A command line as a person would type it in the repository, aimed at this project through COMPOSE_PROJECT_NAME. */
  shell(commandLine: string, cwd: string, timeoutMs = 60_000): Promise<RunResult> {
    return this.exec('sh', ['-c', commandLine], timeoutMs, { cwd, env: { ...this.env, COMPOSE_PROJECT_NAME: this.name } });
  }

  /** Containers of one service (or all), running or not, oldest first by their compose number. */
  async containers(service?: string): Promise<ContainerInfo[]> {
    // -a: Compose v2 leaves exited containers (migrate) out of `ps` without it
    const { stdout } = await this.compose(['ps', '-a', '-q', ...(service ? [service] : [])]);
    const ids = stdout.split('\n').filter(Boolean);
    if (ids.length === 0) return [];
    const infos = JSON.parse((await this.docker(['inspect', ...ids])).stdout) as ContainerInfo[];
    const number = (c: ContainerInfo) => Number(c.Config.Labels['com.docker.compose.container-number'] ?? 0);
    return infos.sort((a, b) => a.Config.Labels['com.docker.compose.service']!.localeCompare(b.Config.Labels['com.docker.compose.service']!) || number(a) - number(b));
  }

  /**
   * Waits until every listed service has `count` containers whose healthcheck
   * says healthy (and migrate-like one-shots have exited 0). Fails early, naming
   * the container and showing its last lines, when one exits, restarts or turns unhealthy.
   */
  async waitHealthy(expected: Record<string, number>, timeoutMs = 3 * 60_000): Promise<ContainerInfo[]> {
    const deadline = Date.now() + timeoutMs;
    let seen = '';
    while (Date.now() < deadline) {
      const all = await this.containers();
      const byService = (s: string) => all.filter((c) => c.Config.Labels['com.docker.compose.service'] === s);
      const broken = all.find(
        (c) => c.State.Health?.Status === 'unhealthy' || (c.State.Status === 'exited' && c.State.ExitCode !== 0) || c.State.Status === 'restarting' || c.RestartCount > 0,
      );
      if (broken) {
        const { stdout, stderr } = await this.docker(['logs', '--tail', '20', broken.Id]).catch(() => ({ stdout: '', stderr: '' }));
        throw new Error(`${broken.Name} is ${broken.State.Health?.Status ?? broken.State.Status} (exit ${broken.State.ExitCode}, ${broken.RestartCount} restarts); its last lines:\n${stdout}${stderr}`);
      }
      const ready = Object.entries(expected).every(([service, count]) => {
        const mine = byService(service);
        return mine.length === count && mine.every((c) => c.State.Health?.Status === 'healthy');
      });
      if (ready) return all;
      seen = all.map((c) => `${c.Name}:${c.State.Health?.Status ?? c.State.Status}`).join(' ');
      await sleep(1000);
    }
    throw new Error(`stack not healthy after ${timeoutMs} ms: ${seen}`);
  }

  /** `docker compose logs` of one service: every line since its containers were created, restarts included. */
  async logs(service: string): Promise<string[]> {
    const { stdout } = await this.compose(['logs', '--no-color', service], 60_000);
    return stdout.split('\n');
  }

  private exec(file: string, args: string[], timeoutMs: number, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
    const command = `${file} ${args.join(' ')}`;
    appendFileSync(this.transcript, `\n[${new Date().toISOString()}] $ ${command}\n`);
    return new Promise((resolve, reject) => {
      execFile(file, args, { env: options.env ?? this.env, cwd: options.cwd, timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
        // logs are big and already kept by Docker; the transcript keeps everything else
        if (!(args.includes('logs') || args[0] === 'inspect')) appendFileSync(this.transcript, stdout + stderr);
        if (error) reject(new Error(`${command} failed (${error.code ?? error.signal}): ${stderr.slice(-4000) || stdout.slice(-4000)}`));
        else resolve({ stdout, stderr });
      });
    });
  }
}
