import autocannon from 'autocannon';
const r = await autocannon({ url: 'http://127.0.0.1:9412' + process.argv[2], connections: 50, duration: Number(process.argv[3] ?? 5) });
console.log(process.argv[2], r.requests.average, 'req/s p99', r.latency.p99, 'errors', r.errors + r.non2xx);
