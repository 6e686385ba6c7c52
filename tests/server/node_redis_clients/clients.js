// Runs the same steps with three Node.js Redis clients against the server at 127.0.0.1:<port>
// and prints one line per step (the result as JSON, or the error's message): ioredis (RESP2),
// node-redis with its default RESP2, and node-redis with RESP: 3 (it starts with HELLO 3).
// node_redis_clients_test.py compares the lines from memkv with those from redis-server.
'use strict';
const Redis = require('ioredis');
const { createClient } = require('redis');

const port = Number(process.argv[2]);
const out = [];

async function step(name, f) {
  try {
    out.push(name + ' ' + JSON.stringify(await f()));
  } catch (e) {
    out.push(name + ' raised ' + (e.message || String(e)));
  }
}

const big = 'v'.repeat(200000);

async function ioredisSteps() {
  const c = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0,
                        retryStrategy: () => null });
  await c.connect();
  const p = 'io:';
  await step('io set', () => c.set(p + 'a', 'hello'));
  await step('io get', () => c.get(p + 'a'));
  await step('io get miss', () => c.get(p + 'nope'));
  await step('io set nx', () => c.set(p + 'a', 'x', 'NX'));
  await step('io set ex', () => c.set(p + 'e', 'v', 'EX', 100));
  await step('io ttl', () => c.ttl(p + 'e'));
  await step('io expire', () => c.expire(p + 'a', 200));
  await step('io expire miss', () => c.expire(p + 'nope', 200));
  await step('io pttl range', async () => { const t = await c.pttl(p + 'a'); return t > 190000 && t <= 200000; });
  await step('io persist', () => c.persist(p + 'a'));
  await step('io incr', () => c.incr(p + 'n'));
  await step('io incrby', () => c.incrby(p + 'n', 41));
  await step('io decr', () => c.decr(p + 'n'));
  await step('io incrbyfloat', () => c.incrbyfloat(p + 'f', '2.5'));
  await step('io incr not int', () => c.incr(p + 'a'));
  await step('io mset', () => c.mset(p + 'm1', '1', p + 'm2', '2'));
  await step('io mget', () => c.mget(p + 'm1', p + 'nope', p + 'm2'));
  await step('io getdel', () => c.getdel(p + 'm1'));
  await step('io exists', () => c.exists(p + 'm1', p + 'm2'));
  await step('io del', () => c.del(p + 'm2', p + 'nope'));
  await step('io big', async () => { await c.set(p + 'big', big); return (await c.get(p + 'big')).length; });
  await step('io pipeline', async () => {
    const pipe = c.pipeline();
    for (let i = 0; i < 100; i++) pipe.set(p + 'k' + i, 'v' + i);
    for (let i = 0; i < 100; i++) pipe.get(p + 'k' + i);
    pipe.get(p + 'nope');
    pipe.incr(p + 'a');
    pipe.expire(p + 'k0', 100);
    pipe.mget(p + 'k1', p + 'nope', p + 'k99');
    return await pipe.exec();
  });
  await step('io config get', () => c.config('GET', 'databases'));
  await step('io unknown', () => c.call('NOSUCH', 'x'));
  c.disconnect();
}

async function nodeRedisSteps(resp) {
  const c = createClient({ socket: { host: '127.0.0.1', port, reconnectStrategy: false },
                           RESP: resp, disableClientInfo: true });
  c.on('error', () => {});
  await c.connect();
  const p = 'nr' + (resp || 2) + ':';
  const n = 'nr' + (resp || 2);
  await step(n + ' hello proto', async () => (resp === 3 ? (await c.hello())['proto'] : null));
  await step(n + ' set', () => c.set(p + 'a', 'hello'));
  await step(n + ' get', () => c.get(p + 'a'));
  await step(n + ' get miss', () => c.get(p + 'nope'));
  await step(n + ' set nx', () => c.set(p + 'a', 'x', { condition: 'NX' }));
  await step(n + ' set get', () => c.set(p + 'a', 'hello2', { GET: true }));
  await step(n + ' set ex', () => c.set(p + 'e', 'v', { expiration: { type: 'EX', value: 100 } }));
  await step(n + ' ttl', () => c.ttl(p + 'e'));
  await step(n + ' expire', () => c.expire(p + 'a', 200));
  await step(n + ' expire miss', () => c.expire(p + 'nope', 200));
  await step(n + ' persist', () => c.persist(p + 'a'));
  await step(n + ' incr', () => c.incr(p + 'n'));
  await step(n + ' incrby', () => c.incrBy(p + 'n', 41));
  await step(n + ' decrby', () => c.decrBy(p + 'n', 2));
  await step(n + ' incrbyfloat', () => c.incrByFloat(p + 'f', 2.5));
  await step(n + ' incr not int', () => c.incr(p + 'a'));
  await step(n + ' mset', () => c.mSet([p + 'm1', '1', p + 'm2', '2']));
  await step(n + ' mget', () => c.mGet([p + 'm1', p + 'nope', p + 'm2']));
  await step(n + ' getdel', () => c.getDel(p + 'm1'));
  await step(n + ' getex', () => c.getEx(p + 'm2', { type: 'PERSIST' }));
  await step(n + ' getex miss', () => c.getEx(p + 'nope', { type: 'PERSIST' }));
  await step(n + ' exists', () => c.exists([p + 'm1', p + 'm2']));
  await step(n + ' del', () => c.del([p + 'm2', p + 'nope']));
  await step(n + ' strlen', () => c.strLen(p + 'a'));
  await step(n + ' type', () => c.type(p + 'a'));
  await step(n + ' client getname', () => c.clientGetName());
  await step(n + ' config get', () => c.configGet('databases'));
  await step(n + ' lcs idx', async () => {
    await c.mSet([p + 's1', 'ohmytext', p + 's2', 'mynewtext']);
    return c.sendCommand(['LCS', p + 's1', p + 's2', 'IDX', 'WITHMATCHLEN']);
  });
  await step(n + ' big', async () => { await c.set(p + 'big', big); return (await c.get(p + 'big')).length; });
  // Concurrent commands share the connection (node-redis pipelines them); execAsPipeline sends
  // a batch without MULTI.
  await step(n + ' concurrent', () => Promise.all(
      Array.from({ length: 100 }, (_, i) => c.set(p + 'k' + i, 'v' + i).then(() => c.get(p + 'k' + i)))));
  await step(n + ' pipeline', async () => {
    const batch = c.multi();
    for (let i = 0; i < 50; i++) batch.incr(p + 'counter');
    batch.get(p + 'nope');
    batch.mGet([p + 'k1', p + 'nope']);
    batch.expire(p + 'k1', 100);
    batch.ttl(p + 'k1');
    return batch.execAsPipeline();
  });
  await step(n + ' unknown', () => c.sendCommand(['NOSUCH', 'x']));
  await c.quit();
}

(async () => {
  await step('flushall', async () => {
    const c = new Redis({ host: '127.0.0.1', port, lazyConnect: true });
    await c.connect();
    const r = await c.flushall();
    c.disconnect();
    return r;
  });
  await ioredisSteps();
  await nodeRedisSteps(undefined);
  await nodeRedisSteps(3);
  // Exit once printed: a closed client's timers would keep the process up for another second.
  process.stdout.write(out.join('\n') + '\n', () => process.exit(0));
})().catch((e) => { console.log('fatal ' + (e.stack || e)); process.exit(1); });
