import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envSchema } from './env.schema';

/**
 * The schema is the truth; the README's configuration tables and .env.example
 * are what people read. This keeps the three listing the same names.
 */
const ROOT = join(__dirname, '..', '..', '..');
const COMPOSE_ONLY = ['POSTGRES_PASSWORD', 'RABBITMQ_PASSWORD', 'HTTP_PUBLISHED_PORT', 'NGINX_MAX_BODY_SIZE', 'PROMETHEUS_RETENTION', 'GRAFANA_PUBLISHED_PORT', 'GRAFANA_ADMIN_PASSWORD'];
const START_ALL_ONLY = ['WORKERS'];

function readmeVariables(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1));
  // a table row names one variable, or several split by " / "
  return [...section.matchAll(/^\| (`[A-Z0-9_]+`(?: \/ `[A-Z0-9_]+`)*) \|/gm)].flatMap((m) => m[1]!.split(' / ').map((v) => v.replaceAll('`', '')));
}

function envExampleVariables(): string[] {
  return [...readFileSync(join(ROOT, '.env.example'), 'utf8').matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]!);
}

describe('configuration documentation', () => {
  const schema = Object.keys(envSchema.shape).sort();

  it('README lists every variable of the schema, the compose-only ones and nothing else', () => {
    expect(readmeVariables().sort()).toEqual([...schema, ...COMPOSE_ONLY, ...START_ALL_ONLY].sort());
  });

  it('.env.example lists every variable of the schema and the compose-only ones', () => {
    expect(envExampleVariables().sort()).toEqual([...schema, ...COMPOSE_ONLY].sort());
  });

  it('docker-compose.yml reads no variable the documentation does not name', () => {
    const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
    const read = new Set([...compose.matchAll(/\$\{([A-Z0-9_]+)(?::-[^}]*)?\}/g)].map((m) => m[1]!));
    expect([...read].filter((name) => !schema.includes(name) && !COMPOSE_ONLY.includes(name))).toEqual([]);
  });
});
