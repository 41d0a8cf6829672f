// Container health check: GET the Prometheus exposition on this host. Exit 0 when it answers
// 200, 1 otherwise. Port and path follow OTELACCT_PROMETHEUS_PORT / OTELACCT_PROMETHEUS_PATH
// (defaults 9464, /metrics); a config file that moves the endpoint needs those set as well.
const port = process.env.OTELACCT_PROMETHEUS_PORT || '9464';
const path = process.env.OTELACCT_PROMETHEUS_PATH || '/metrics';
try {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(4000) });
  process.exitCode = res.ok ? 0 : 1;
} catch {
  process.exitCode = 1;
}
