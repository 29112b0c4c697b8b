import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../config/mod.ts';
import { placement } from '../../config/placement.ts';
import { dockerfile, imagePort, imageUser } from './dockerfile.ts';
import { imageEnv, placementProblems, testSecret, type Unit } from './placement.ts';

/* Just enough of the Kubernetes objects for these checks. */
type Labels = Record<string, string>;
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } };
}
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  env?: EnvVar[];
  envFrom?: Array<{ configMapRef?: { name: string } }>;
  ports?: Array<{ name?: string; containerPort: number }>;
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  resources?: { requests?: { cpu?: string; memory?: string }; limits?: { cpu?: string; memory?: string } };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; capabilities?: { drop?: string[] } };
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}
interface PodSpec {
  containers: Container[];
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; runAsGroup?: number };
  volumes?: Array<{ name: string; emptyDir?: object; persistentVolumeClaim?: { claimName: string } }>;
}
interface K8sObject {
  kind: string;
  metadata: { name: string; labels?: Labels };
  // biome-ignore lint/suspicious/noExplicitAny: each kind reads its own spec fields below
  spec?: any;
  data?: Record<string, string>;
}
interface Workload extends K8sObject {
  spec: { replicas?: number; selector: { matchLabels: Labels }; template: { metadata: { labels: Labels }; spec: PodSpec } };
}
interface NetworkPolicyRule {
  from?: Array<{ podSelector?: { matchLabels?: Labels; matchExpressions?: Array<{ key: string; operator: string; values: string[] }> } }>;
  ports?: Array<{ port: string | number }>;
}

const kubectl = (() => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const packageVersion = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
const stages = dockerfile();
const app = (workload: Workload) => workload.spec.template.spec.containers.find((c) => c.name === 'app')!;
const selects = (selector: Labels, labels: Labels) => Object.entries(selector).every(([key, value]) => labels[key] === value);
const component = (workload: Workload) => workload.spec.template.metadata.labels['app.kubernetes.io/component']!;

/** `kubectl kustomize` of an overlay (Debian's, or any kubectl with kustomize v5; .ci/run installs it). */
function render(overlay: string): K8sObject[] {
  const text = execFileSync('kubectl', ['kustomize', `deploy/k8s/overlays/${overlay}`], { encoding: 'utf8' });
  return parseAllDocuments(text).map((doc) => doc.toJSON() as K8sObject);
}

/** A workload's process as the placement rules see it: the image's variables, its ConfigMaps', its own, and its secrets (test values). */
function unitOf(workload: Workload, objects: K8sObject[]): Unit {
  const configMap = (name: string) => objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name)?.data ?? {};
  const container = app(workload);
  const env: Record<string, string> = { ...imageEnv() };
  const secrets: string[] = [];
  for (const { configMapRef } of container.envFrom ?? []) if (configMapRef) Object.assign(env, configMap(configMapRef.name));
  for (const variable of container.env ?? []) {
    const { secretKeyRef, configMapKeyRef } = variable.valueFrom ?? {};
    if (secretKeyRef) {
      env[variable.name] = testSecret(secretKeyRef.key);
      secrets.push(variable.name);
    } else if (configMapKeyRef) env[variable.name] = configMap(configMapKeyRef.name)[configMapKeyRef.key]!;
    else env[variable.name] = variable.value!;
  }
  return { name: workload.metadata.name, env, secrets };
}

describe.runIf(kubectl || process.env.CI)('deploy/k8s', () => {
  it('kubectl is installed (Debian-packaged or otherwise; .ci/run installs it)', () => expect(kubectl).toBe(true));

  describe.each(['monolith', 'split'])('overlays/%s, rendered by kubectl kustomize', (overlay) => {
    let objects: K8sObject[];
    let deployments: Workload[];
    let units: Map<string, Unit>;
    let configs: Map<string, Config>;
    const ofKind = <T extends K8sObject = K8sObject>(kind: string) => objects.filter((o) => o.kind === kind) as T[];
    /** The Deployment a Service URL reaches: the Service's name and port, its selector, its target port. */
    const deploymentAt = (url: string) => {
      const { hostname, port } = new URL(url);
      const service = ofKind('Service').find((s) => s.metadata.name === hostname);
      const servicePort = service?.spec.ports.find((p: { port: number }) => p.port === Number(port));
      if (!servicePort) return undefined;
      const target = deployments.find((d) => selects(service!.spec.selector, d.spec.template.metadata.labels));
      const listens =
        target && app(target).ports?.find((p) => p.name === servicePort.targetPort || p.containerPort === servicePort.targetPort);
      return listens ? target.metadata.name : undefined;
    };

    beforeAll(() => {
      objects = render(overlay);
      deployments = ofKind<Workload>('Deployment');
      units = new Map(deployments.map((d) => [d.metadata.name, unitOf(d, objects)]));
      configs = new Map([...units].map(([name, unit]) => [name, loadConfig(unit.env)]));
    });

    it("gives every Deployment what its SERVICES needs, by config's placement rules, secrets from Secrets (none inlined)", () => {
      expect(deployments.length).toBeGreaterThan(0);
      expect(placementProblems([...units.values()], deploymentAt)).toEqual([]);
      expect(ofKind('Secret')).toEqual([]);
    });

    it('runs the image and port of the Dockerfile, as its numeric non-root user, read-only but for /tmp and the embedded data', () => {
      const { uid, gid } = imageUser(stages);
      const workloads = [...deployments, ...ofKind<Workload>('Job')];
      for (const workload of workloads) {
        const pod = workload.spec.template.spec;
        const container = app(workload);
        const name = workload.metadata.name;
        expect({ name, image: container.image }).toEqual({ name, image: `modular-auth:${packageVersion}` });
        expect({ name, ...pod.securityContext }).toMatchObject({ name, runAsNonRoot: true, runAsUser: uid, runAsGroup: gid });
        expect({ name, ...container.securityContext }).toMatchObject({
          name,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
        });
        expect({ name, token: pod.automountServiceAccountToken }).toEqual({ name, token: false });
        for (const kind of ['cpu', 'memory'] as const) {
          expect({ name, kind, request: !!container.resources?.requests?.[kind], limit: !!container.resources?.limits?.[kind] }).toEqual({
            name,
            kind,
            request: true,
            limit: true,
          });
        }
        const volumeAt = (path: string) =>
          pod.volumes?.find((v) => v.name === container.volumeMounts?.find((m) => m.mountPath === path)?.name);
        expect(volumeAt('/tmp')?.emptyDir, `${name}: /tmp`).toBeDefined();
        const config = loadConfig(unitOf(workload, objects).env);
        // The gateway alone keeps no state, and opens no database whatever DATABASE_URL says.
        if (config.database.kind === 'pglite' && config.services.some((module) => module !== 'gateway')) {
          const dataDir = config.database.dataDir.replace(/\/[^/]+$/, ''); // its lock file sits beside it
          expect(volumeAt(dataDir)?.persistentVolumeClaim, `${name}: ${dataDir}`).toBeDefined();
        }
      }
      for (const deployment of deployments) {
        expect(app(deployment).ports).toEqual([{ name: 'http', containerPort: imagePort(stages) }]);
      }
    });

    it('probes every Deployment on the health routes, and gives a stop more time than SHUTDOWN_GRACE_MS', () => {
      for (const deployment of deployments) {
        const container = app(deployment);
        const name = deployment.metadata.name;
        const probe = (p?: Probe) => p?.httpGet && `${p.httpGet.path} ${p.httpGet.port}`;
        expect({
          name,
          startup: probe(container.startupProbe),
          live: probe(container.livenessProbe),
          ready: probe(container.readinessProbe),
        }).toEqual({
          name,
          startup: '/health/live http',
          live: '/health/live http',
          ready: '/health/ready http',
        });
        const [sleep, seconds] = container.lifecycle?.preStop?.exec?.command ?? [];
        expect(sleep).toBe('sleep');
        const graceMs = configs.get(name)!.shutdownGraceMs;
        expect(deployment.spec.template.spec.terminationGracePeriodSeconds! * 1000).toBeGreaterThan(Number(seconds) * 1000 + graceMs);
      }
    });

    it('lets the public reach only the gateway, and each module only the processes that call it', () => {
      const policies = ofKind('NetworkPolicy');
      const denyAll = policies.find(
        (p) => !p.spec.ingress && selects(p.spec.podSelector.matchLabels, { 'app.kubernetes.io/part-of': 'modular-auth' }),
      );
      expect(denyAll?.spec.policyTypes).toEqual(['Ingress']);
      for (const deployment of deployments) {
        const labels = deployment.spec.template.metadata.labels;
        expect(labels['app.kubernetes.io/part-of']).toBe('modular-auth'); // under the default deny
        const rules: NetworkPolicyRule[] = policies
          .filter((p) => p.spec.ingress && selects(p.spec.podSelector.matchLabels, labels))
          .flatMap((p) => p.spec.ingress);
        const config = configs.get(deployment.metadata.name)!;
        const callers = deployments.filter((other) =>
          placement.remoteModules(configs.get(other.metadata.name)!.services).some((m) => config.services.includes(m)),
        );
        const allowedFrom = rules.flatMap((rule) =>
          rule.from
            ? rule.from.flatMap(({ podSelector }) => podSelector?.matchExpressions?.flatMap((e) => e.values) ?? [])
            : ['(anywhere)'],
        );
        const expected = config.services.includes('gateway') ? ['(anywhere)'] : callers.map(component);
        expect({ deployment: deployment.metadata.name, allowedFrom: allowedFrom.sort() }).toEqual({
          deployment: deployment.metadata.name,
          allowedFrom: expected.sort(),
        });
        for (const rule of rules) expect(rule.ports).toEqual([{ port: 'http' }]);
      }
    });

    it('has a Service for every Deployment', () => {
      for (const deployment of deployments) {
        const services = ofKind('Service').filter((s) => selects(s.spec.selector, deployment.spec.template.metadata.labels));
        expect({ deployment: deployment.metadata.name, services: services.length }).toEqual({
          deployment: deployment.metadata.name,
          services: 1,
        });
      }
    });

    it.runIf(overlay === 'split')('scales gateway and auth by CPU, and keeps every module available through disruptions', () => {
      const autoscalers = ofKind('HorizontalPodAutoscaler');
      for (const deployment of deployments) {
        const name = deployment.metadata.name;
        const scaled = autoscalers.find((h) => h.spec.scaleTargetRef.kind === 'Deployment' && h.spec.scaleTargetRef.name === name);
        const services = configs.get(name)!.services;
        expect({ name, autoscaled: !!scaled }).toEqual({ name, autoscaled: services.includes('gateway') || services.includes('auth') });
        // The autoscaler owns its replicas: a count in the Deployment would reset them on every apply.
        if (scaled) expect({ name, replicas: deployment.spec.replicas }).toEqual({ name, replicas: undefined });
        const minimum = scaled ? scaled.spec.minReplicas : deployment.spec.replicas;
        expect({ name, minimum: minimum >= 2 }).toEqual({ name, minimum: true });
        const budgets = ofKind('PodDisruptionBudget').filter((b) =>
          selects(b.spec.selector.matchLabels, deployment.spec.template.metadata.labels),
        );
        expect({ name, budgets: budgets.map((b) => b.spec.minAvailable) }).toEqual({ name, budgets: [1] });
      }
    });

    it.runIf(overlay === 'split')('migrates in a Job running the compiled migration command, on the Secret database', () => {
      const [job] = ofKind<Workload>('Job');
      const command = app(job!).command!;
      expect(command).toEqual(['node', 'dist/src/migrate-cli.js']);
      expect(existsSync(command[1]!.replace(/^dist\//, '').replace(/\.js$/, '.ts'))).toBe(true);
      const unit = unitOf(job!, objects);
      expect(unit.secrets).toContain('DATABASE_URL');
      expect(loadConfig(unit.env).database.kind).toBe('postgres');
    });

    it.runIf(overlay === 'monolith')('runs every module in one process on the embedded database, one pod at a time', () => {
      const [monolith] = deployments;
      expect(deployments.length).toBe(1);
      expect(configs.get(monolith!.metadata.name)!.monolith).toBe(true);
      expect(monolith!.spec.replicas).toBe(1);
      expect(monolith!.spec).toMatchObject({ strategy: { type: 'Recreate' } });
    });
  });
});
