// The list and show answers the API keeps (issue 12): on SQLite the repository hands out one frozen object while
// nothing was committed, and the API serializes it once. Two API nodes on one database file: every write, by either
// node, shows in the other's next list and show, and a kept answer is byte for byte what a fresh one would be.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../app/api/server.js';
import { openRepository } from '../app/db/index.js';
import { openImageStore } from '../app/images/index.js';
import { openQueue } from '../app/queue/index.js';
import type { Fractal, FractalRepository, ImageStore, TaskQueue } from '../app/types.js';

const params = { width: 64, height: 48, iterations: 128, xa: -1.5, xb: 1.5, ya: -1, yb: 1 };

interface Node {
  app: FastifyInstance;
  repo: FractalRepository;
  queue: TaskQueue;
  images: ImageStore;
}

interface ListBody {
  num_results: number;
  objects: Fractal[];
  page: number;
  total_pages: number;
}

describe('kept list/show answers on SQLite, two API nodes on one file', () => {
  let dir: string;
  const nodes: Node[] = [];
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'faafo-read-json-'));
    for (let i = 0; i < 2; i++) {
      const repo = await openRepository(`sqlite:${path.join(dir, 'faafo.sqlite')}`);
      const queue = await openQueue(`memory:read-json-${i}`);
      const images = await openImageStore(`file://${path.join(dir, 'images')}`);
      const app = buildApi({ repo, queue, images, republish: { enabled: false } });
      await app.ready();
      nodes.push({ app, repo, queue, images });
    }
  });
  after(async () => {
    for (const n of nodes) {
      await n.app.close();
      await n.queue.close();
      await n.repo.close();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async (node: Node, url: string) => {
    const res = await node.app.inject({ method: 'GET', url });
    return { status: res.statusCode, type: res.headers['content-type'], body: res.body };
  };
  const list = async (node: Node, query = '') => {
    const res = await get(node, `/v1/fractal${query}`);
    assert.equal(res.status, 200, res.body);
    return { ...res, json: JSON.parse(res.body) as ListBody };
  };
  const create = async (node: Node) => {
    const uuid = randomUUID();
    const res = await node.app.inject({ method: 'POST', url: '/v1/fractal', payload: { uuid, ...params } });
    assert.equal(res.statusCode, 201, res.body);
    return uuid;
  };
  const edit = async (node: Node, uuid: string, patch: Partial<Fractal>) => {
    const res = await node.app.inject({ method: 'PUT', url: `/v1/fractal/${uuid}`, payload: patch });
    assert.equal(res.statusCode, 200, res.body);
  };

  test('a repeated list or show is the same bytes, with the JSON content type and the wire field order', async () => {
    const [a] = nodes as [Node, Node];
    const uuid = await create(a);
    await create(a);
    const first = await list(a);
    const again = await list(a);
    assert.equal(again.body, first.body);
    assert.equal(first.type, 'application/json; charset=utf-8');
    assert.deepEqual(Object.keys(first.json), ['num_results', 'objects', 'page', 'total_pages']);
    const show = await get(a, `/v1/fractal/${uuid}`);
    assert.equal(show.status, 200);
    assert.equal(show.type, 'application/json; charset=utf-8');
    assert.equal((await get(a, `/v1/fractal/${uuid}`)).body, show.body);
    assert.equal((await get(a, `/v1/fractal/${uuid.toUpperCase()}`)).body, show.body);
    // The order fast-json-stringify writes for the fractal schema: required fields first.
    assert.deepEqual(Object.keys(JSON.parse(show.body) as object), [
      'uuid',
      'width',
      'height',
      'iterations',
      'xa',
      'xb',
      'ya',
      'yb',
      'checksum',
      'url',
      'duration',
      'size',
      'generated_by',
      'cr',
      'ci',
    ]);
    assert.equal(first.json.objects.find((o) => o.uuid === uuid)?.width, params.width);
  });

  test("every write, this node's or the other's, is in the next list and show", async () => {
    const [a, b] = nodes as [Node, Node];
    const before = (await list(a)).json.num_results;
    // The other node creates: counted here at once, and shown.
    const uuid = await create(b);
    assert.equal((await list(a)).json.num_results, before + 1);
    const shown = await get(a, `/v1/fractal/${uuid}`);
    assert.equal(shown.status, 200);
    assert.equal((JSON.parse(shown.body) as Fractal).iterations, params.iterations);
    // The other node edits: the show and the list page holding the row change.
    await edit(b, uuid, { iterations: 300 });
    assert.equal((JSON.parse((await get(a, `/v1/fractal/${uuid}`)).body) as Fractal).iterations, 300);
    const all = await list(a, '?results_per_page=100');
    assert.equal(all.json.objects.find((o) => o.uuid === uuid)?.iterations, 300);
    // This node edits: seen by itself and by the other.
    await edit(a, uuid, { iterations: 301 });
    assert.equal((JSON.parse((await get(a, `/v1/fractal/${uuid}`)).body) as Fractal).iterations, 301);
    assert.equal((JSON.parse((await get(b, `/v1/fractal/${uuid}`)).body) as Fractal).iterations, 301);
    // The other node deletes: gone here.
    const del = await b.app.inject({ method: 'DELETE', url: `/v1/fractal/${uuid}` });
    assert.equal(del.statusCode, 204);
    assert.equal((await get(a, `/v1/fractal/${uuid}`)).status, 404);
    assert.equal((await list(a)).json.num_results, before);
  });

  test('pages of different sizes are different answers (page and total_pages of each request)', async () => {
    const [a] = nodes as [Node, Node];
    while ((await list(a)).json.num_results < 3) await create(a);
    const total = (await list(a)).json.num_results;
    const one = await list(a, '?results_per_page=1&page=2');
    assert.equal(one.json.page, 2);
    assert.equal(one.json.total_pages, total);
    assert.equal(one.json.objects.length, 1);
    const two = await list(a, '?results_per_page=2&page=1');
    assert.equal(two.json.page, 1);
    assert.equal(two.json.total_pages, Math.ceil(total / 2));
    assert.deepEqual(
      two.json.objects.map((o) => o.uuid),
      (await list(a, '?results_per_page=100')).json.objects.slice(0, 2).map((o) => o.uuid),
    );
    assert.equal(one.json.objects[0]!.uuid, two.json.objects[1]!.uuid);
  });
});
