import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';

/**
 * Grafana sits behind the `monitoring` profile and has no stand-in image on
 * registry-less machines, so the compose suite cannot start it. This checks
 * what Grafana would read: the provisioning files, the dashboard, and how
 * docker-compose.yml mounts them. (The compose suite runs every dashboard
 * query against the real Prometheus.)
 */
const ROOT = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

interface Datasource {
  name: string;
  uid: string;
  type: string;
  url: string;
  isDefault?: boolean;
}
interface Panel {
  title: string;
  datasource: { type: string; uid: string };
  targets: Array<{ refId: string; expr: string; datasource: { type: string; uid: string } }>;
}
interface ComposeService {
  profiles?: string[];
  volumes?: string[];
  environment?: Record<string, string>;
  image?: string;
}

const compose = parse(read('docker-compose.yml')) as { services: Record<string, ComposeService> };
const grafana = compose.services.grafana!;
/** Where a bind mount of ./<dir> lands in the grafana container. */
const mountOf = (dir: string) => {
  const volume = grafana.volumes!.find((v) => v.split(':')[0] === `./${dir}`);
  return volume?.split(':')[1];
};

describe('Grafana provisioning', () => {
  const { apiVersion, datasources } = parse(read('deploy/grafana/provisioning/datasources/prometheus.yml')) as { apiVersion: number; datasources: Datasource[] };
  const dashboard = JSON.parse(read('deploy/grafana/dashboards/darkroom.json')) as { uid: string; title: string; id: unknown; panels: Panel[] };

  it('runs Grafana only in the monitoring profile, with both provisioning folders mounted read-only', () => {
    expect(grafana.profiles).toEqual(['monitoring']);
    expect(grafana.volumes).toEqual(
      expect.arrayContaining(['./deploy/grafana/provisioning:/etc/grafana/provisioning:ro', './deploy/grafana/dashboards:/var/lib/grafana/dashboards:ro']),
    );
  });

  it('provisions one default Prometheus data source at the compose service', () => {
    expect(apiVersion).toBe(1);
    expect(datasources).toHaveLength(1);
    expect(datasources[0]).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090', isDefault: true });
    expect(compose.services.prometheus).toBeDefined();
  });

  it('loads dashboards from where docker-compose.yml mounts them, and opens on this one', () => {
    const { providers } = parse(read('deploy/grafana/provisioning/dashboards/darkroom.yml')) as { providers: Array<{ type: string; options: { path: string } }> };
    const mounted = mountOf('deploy/grafana/dashboards');
    expect(providers.map((p) => [p.type, p.options.path])).toEqual([['file', mounted]]);
    const home = grafana.environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH!;
    expect(home.startsWith(`${mounted}/`)).toBe(true);
    expect(existsSync(join(ROOT, 'deploy/grafana/dashboards', relative(mounted!, home)))).toBe(true);
  });

  it('has a dashboard whose every panel and query uses the provisioned data source', () => {
    expect(dashboard).toMatchObject({ uid: 'darkroom', id: null, title: expect.any(String) });
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(10);
    const uid = datasources[0]!.uid;
    for (const panel of dashboard.panels) {
      expect({ panel: panel.title, uid: panel.datasource.uid }).toEqual({ panel: panel.title, uid });
      expect(panel.targets.length).toBeGreaterThan(0);
      expect(new Set(panel.targets.map((t) => t.refId)).size).toBe(panel.targets.length);
      for (const target of panel.targets) {
        expect({ panel: panel.title, uid: target.datasource.uid, expr: target.expr.length > 0 }).toEqual({ panel: panel.title, uid, expr: true });
      }
    }
  });
});
