package e2e

import (
	"testing"
)

// TestGateway checks the NGINX gateway, the Swarm stack files and the
// deploy scripts (the list of what it proves is in suites.md):
//   - without the running system: render.sh and its refusals, the stack
//     files through `docker stack config`, deploy.sh/rollback.sh control
//     flow against a stand-in docker CLI, the container entrypoint's
//     certificate handling;
//   - end to end, through StartGateway (PostgreSQL, the migrate step,
//     follower, api and web, and real NGINX over HTTPS on 127.0.0.1):
//     replays, TLS, redirects, headers, gzip, request ids, the access log,
//     odd usernames, web routes, the follower being internal, ACCEPTED_IPS
//     and trusted proxies, rate limits, and a start-first rolling restart
//     of every service under load.
//
// The running system is started by the first subtest that needs it and
// shared by the rest, so `-run Gateway/StackConfig` starts nothing.
func TestGateway(t *testing.T) {
	t.Run("Shellcheck", testGatewayShellcheck)
	t.Run("Render", testGatewayRender)
	t.Run("StackConfig", testGatewayStack)
	t.Run("DeployRollback", testDeployRollback)
	t.Run("DeploySafety", testGatewayDeploySafety)
	t.Run("Entrypoint", testGatewayEntrypoint)
	t.Run("AcceptedIPsRequired", testGatewayAcceptedIPsRequired)

	live := &Shared[*Gateway]{Parent: t, Start: func(t testing.TB) *Gateway {
		return StartGateway(t, GatewayOpts{
			Replicas: 2,
			Settings: GatewaySettings{AcceptedIPs: "127.0.0.1"},
		})
	}}
	for _, c := range []struct {
		name string
		fn   func(*testing.T, *Gateway)
	}{
		{"RenderedConfig", testGatewayRenderedConfig},
		{"Replay", testGatewayReplay},
		{"TLS", testGatewayTLS},
		{"Redirects", testGatewayRedirects},
		{"Health", testGatewayHealth},
		{"Headers", testGatewayHeaders},
		{"Gzip", testGatewayGzip},
		{"RequestID", testGatewayRequestID},
		{"AccessLog", testGatewayAccessLog},
		{"PathEscapes", testGatewayPathEscapes},
		{"WebRoutes", testGatewayWebRoutes},
		{"FollowerInternal", testGatewayFollowerInternal},
		{"AcceptedIPs", testGatewayAcceptedIPs},
		{"RateLimit", testGatewayRateLimit},
		{"RollingRestart", testGatewayRollingRestart},
		// After RollingRestart too: answers from dead or failing upstreams
		// (and, until every input rule holds, the hostile table) leave 5xx
		// in the access log.
		{"Hostile", testGatewayHostile},
		{"Hardening", testGatewayHardening},
		// After RollingRestart, whose check reads the whole access log: the
		// smoke test's unreachable-api case makes the gateway answer 503.
		{"Smoke", gatewaySmoke},
		{"Shutdown", testGatewayShutdown},
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, live.Get(t)) })
	}
}
