// The JSON Schema of faafo-stack.yaml (draft 2020-12 subset ajv understands). Published as
// schema/faafo-stack.schema.json (a test keeps the file equal to this object). Every key is optional: defaults.ts
// fills the rest. Semantic rules that JSON Schema cannot say (max >= min, down < up ...) live in rules.ts.

const percent = {
  type: 'integer',
  minimum: 1,
  maximum: 100,
  description: 'percent of the whole server (all its vCPUs), 1..100',
} as const;

const tier = (what: string) =>
  ({
    type: 'object',
    additionalProperties: false,
    description: `${what} autoscaling group`,
    properties: {
      min: { type: 'integer', minimum: 0, maximum: 1000, description: 'min_size of the group' },
      max: { type: 'integer', minimum: 1, maximum: 1000, description: 'max_size of the group' },
      desired: { type: 'integer', minimum: 0, maximum: 1000, description: 'desired_capacity at create (default: min)' },
      flavor: { type: 'string', minLength: 1, description: 'Nova flavor of the members' },
      vcpus: {
        type: 'integer',
        minimum: 1,
        maximum: 512,
        description: "the flavor's vCPU count (thresholds are per server)",
      },
      scaleUpCpu: { ...percent, description: 'scale up when the mean CPU of the group is above this percent' },
      scaleDownCpu: { ...percent, description: 'scale down when the mean CPU of the group is below this percent' },
    },
  }) as const;

export const configSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://github.com/faafo-stack/faafo-stack/schema/faafo-stack.schema.json',
  title: 'faafo-stack.yaml',
  description: 'Configuration of `faafo-stack generate` (flags override it). Every key is optional.',
  type: 'object',
  additionalProperties: false,
  properties: {
    name: {
      type: 'string',
      pattern: '^[A-Za-z][A-Za-z0-9_.-]{0,254}$',
      description: 'stack name for create/update/...',
    },
    topology: { enum: ['tiers', 'all-in-one'], description: 'tiers (services + API + workers) or one server' },
    image: {
      type: 'string',
      minLength: 1,
      description: 'Glance image (Debian/Ubuntu with Node.js >= 20 in its archive)',
    },
    keyName: { type: 'string', minLength: 1, description: 'Nova key pair' },
    flavor: { type: 'string', minLength: 1, description: 'flavor of every server unless set per tier' },
    externalNetwork: { type: 'string', minLength: 1, description: 'external network for the router and floating IPs' },
    network: {
      type: 'object',
      additionalProperties: false,
      properties: {
        cidr: { type: 'string', pattern: '^\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}$', description: 'private subnet CIDR' },
        dnsNameservers: {
          type: 'array',
          items: { type: 'string', format: 'ipv4' },
          description: 'DNS servers of the subnet',
        },
      },
    },
    sshCidr: {
      type: 'string',
      pattern: '^\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}$',
      description: 'who may SSH to the servers',
    },
    app: {
      type: 'object',
      additionalProperties: false,
      properties: {
        url: { type: 'string', pattern: '^https?://\\S+$', description: 'URL of the app bundle the servers download' },
        sha256: { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'sha256 (hex) of the app bundle' },
        nodeTarballUrl: {
          type: 'string',
          pattern: '^https?://\\S+$',
          description: 'Node.js linux tarball used when the image has no Node.js >= 20 package',
        },
      },
    },
    services: {
      type: 'object',
      additionalProperties: false,
      properties: { flavor: { type: 'string', minLength: 1, description: 'flavor of the services server' } },
    },
    database: {
      type: 'object',
      additionalProperties: false,
      properties: {
        url: {
          type: 'string',
          pattern: '^(postgres|postgresql|mysql)://\\S+$',
          description: 'external database: no services server for it (passed as a hidden parameter, never written)',
        },
      },
    },
    queue: {
      type: 'object',
      additionalProperties: false,
      properties: {
        url: {
          type: 'string',
          pattern: '^amqps?://\\S+$',
          description: 'external RabbitMQ (hidden parameter, never written)',
        },
      },
    },
    imageStoreUrl: {
      type: 'string',
      pattern: '^(file|swift):\\S*$',
      description: 'where the API servers keep the PNGs',
    },
    loadBalancer: {
      type: 'boolean',
      description: 'Octavia load balancer in front of the API tier (false: a floating IP per server)',
    },
    access: {
      type: 'object',
      additionalProperties: false,
      description: 'who may write (issue 15); default: results only from the stack\'s workers, writes only with the API key',
      properties: {
        anonymousWrites: {
          type: 'boolean',
          description: 'anyone may create and delete fractals without the API key (the guide\'s tutorial setting)',
        },
        legacyWorkers: {
          type: 'boolean',
          description: 'the original worker (no result secret) may upload results, only from the private subnet',
        },
      },
    },
    api: tier('API'),
    workers: tier('worker'),
    scaling: {
      type: 'object',
      additionalProperties: false,
      properties: {
        scaleUpCpu: { ...percent, description: 'default scale-up CPU percent of both tiers' },
        scaleDownCpu: { ...percent, description: 'default scale-down CPU percent of both tiers' },
        granularity: {
          type: 'integer',
          minimum: 60,
          maximum: 86400,
          multipleOf: 60,
          description: "seconds per alarm window; must be a granularity of the cpu metric's archive policy",
        },
        evaluationPeriods: {
          type: 'integer',
          minimum: 1,
          maximum: 60,
          description: 'consecutive windows beyond the threshold',
        },
        cooldown: {
          type: 'integer',
          minimum: 0,
          maximum: 86400,
          description: 'seconds after a scaling action before the next',
        },
        alarmAction: {
          enum: ['signal', 'alarm-url', 'signal_url', 'alarm_url'],
          description: 'trust+signal_url (native Heat API) or the EC2-signed alarm_url',
        },
        repeatActions: {
          type: 'boolean',
          description: 'alarm re-signals every evaluation while in alarm (cooldown paces it)',
        },
        workerScaling: {
          enum: ['cpu', 'queue'],
          description: 'worker tier driven by CPU alarms (cpu) or by the queue scaler on the services server (queue)',
        },
        scaleUpBacklog: {
          type: 'number',
          exclusiveMinimum: 0,
          maximum: 10000,
          description: 'queue scaling: backlog per worker above which a worker is added',
        },
        scaleDownBacklog: {
          type: 'number',
          minimum: 0,
          maximum: 10000,
          description: 'queue scaling: backlog per worker below which a worker is removed',
        },
      },
    },
    bootTimeout: {
      type: 'integer',
      minimum: 60,
      maximum: 7200,
      description: 'seconds a server may take to become healthy',
    },
    allInOneFlavor: { type: 'string', minLength: 1, description: 'flavor of the all-in-one server' },
  },
} as const;
