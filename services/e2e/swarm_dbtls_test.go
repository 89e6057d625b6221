package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// dbClientServices are the stack's services that connect to PostgreSQL
// over the backend network, with the environment variable naming where.
var dbClientServices = map[string]string{
	"web": "DATABASE_URL", "api": "DATABASE_URL", "follower": "DATABASE_URL",
	"migrate": "DATABASE_URL", "postgres-exporter": "DATA_SOURCE_URI",
}

// swarmDatabaseTLS: every database connection of the running stack is TLS,
// and PostgreSQL refuses clients that do not verify it. While requests
// that reach the database through web, api and follower flow, no network
// connection in pg_stat_ssl is without TLS and each client service holds a
// TLS connection; the services are configured with verify-full against the
// stack's CA; pg_hba.conf has no rule for network clients without TLS.
// From inside the database's task over the overlay network: without TLS
// pg_hba refuses, a CA other than the stack's fails verification, and an
// address that is not a name in the certificate fails the host name check,
// while verify-full with the stack's CA and the service name works.
func swarmDatabaseTLS(t *testing.T, s *localSwarm) {
	for svc, key := range dbClientServices {
		env := s.docker(t, "service", "inspect", "-f", "{{json .Spec.TaskTemplate.ContainerSpec.Env}}", s.stack+"_"+svc)
		if !strings.Contains(env, key+"=") || !strings.Contains(env, "sslmode=verify-full") || !strings.Contains(env, "sslrootcert=/run/secrets/db_ca.crt") {
			t.Errorf("%s: %s is not verify-full against /run/secrets/db_ca.crt: %s", svc, key, env)
		}
	}
	if got := strings.TrimSpace(s.psql(t, "SHOW ssl")); got != "on" {
		t.Errorf("PostgreSQL ssl = %q, want on", got)
	}
	if got := lines(s.psql(t, "SELECT DISTINCT type FROM pg_hba_file_rules ORDER BY type")); !slices.Equal(got, []string{"hostssl", "local"}) {
		t.Errorf("pg_hba.conf rule types %q, want only hostssl (network) and local", got)
	}

	// Traffic through the gateway that reaches the database from web, api
	// and follower (a follow goes api -> follower -> PostgreSQL).
	c := s.client(10 * time.Second)
	for _, u := range []string{"dbtls-a", "dbtls-b"} {
		if r := s.api(c, "POST", "/register", map[string]string{"username": u, "email": u + "@example.com", "pwd": "pw-" + u}); r.Status != 204 {
			t.Fatalf("register %s: %d %s %v", u, r.Status, r.Body, r.Err)
		}
	}
	if r := s.api(c, "POST", "/fllws/dbtls-a", map[string]string{"follow": "dbtls-b"}); r.Status != 204 {
		t.Fatalf("dbtls-a follows dbtls-b: %d %s %v", r.Status, r.Body, r.Err)
	}
	traffic := func() error {
		for _, r := range []apiCall{
			s.api(c, "GET", "/fllws/dbtls-a?no=10", nil),
			s.api(c, "GET", "/msgs?no=10", nil),
			s.get(c, "/public"),
		} {
			if r.Err != nil || r.Status >= 300 {
				return fmt.Errorf("request through the gateway: %d %s %v", r.Status, first(lines(string(r.Body)), 2), r.Err)
			}
		}
		return nil
	}
	const plain = "SELECT count(*) FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) WHERE NOT ssl AND client_addr IS NOT NULL"
	const tlsClients = "SELECT DISTINCT host(client_addr) FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) WHERE ssl AND client_addr IS NOT NULL"
	polls := 0
	Eventually(t, 2*time.Minute, "a TLS connection from every client service", func() error {
		polls++
		if err := traffic(); err != nil {
			return err
		}
		if n := strings.TrimSpace(s.psql(t, plain)); n != "0" {
			t.Fatalf("%s network connections without TLS:\n%s", n,
				s.psql(t, "SELECT a.application_name, a.client_addr, a.usename FROM pg_stat_ssl JOIN pg_stat_activity a USING (pid) WHERE NOT ssl AND client_addr IS NOT NULL"))
		}
		clients := lines(s.psql(t, tlsClients))
		for svc := range dbClientServices {
			if svc == "migrate" {
				continue // a job, done by now
			}
			ips := s.backendIPs(t, svc)
			if !slices.ContainsFunc(ips, func(ip string) bool { return slices.Contains(clients, ip) }) {
				return fmt.Errorf("%s (tasks %q): no TLS connection among the clients %q", svc, ips, clients)
			}
		}
		return nil
	})
	t.Logf("every client service connected over TLS (%d polls); network connections without TLS: 0 at every poll", polls)

	// Refusals, checked with psql inside the database's own task over the
	// overlay network (the services' images have no psql).
	ids := s.containers(t, "postgres")
	if len(ids) != 1 {
		t.Fatalf("%d postgres containers", len(ids))
	}
	pg := ids[0]
	pgIPs := s.backendIPs(t, "postgres")
	if len(pgIPs) != 1 {
		t.Fatalf("postgres backend addresses %q", pgIPs)
	}
	tlsDir := ""
	for _, kv := range s.deployEnv(t) {
		if v, ok := strings.CutPrefix(kv, "DB_TLS_DIR="); ok {
			tlsDir = v
		}
	}
	stackCA, err := os.ReadFile(filepath.Join(tlsDir, "ca-bundle.crt"))
	if err != nil {
		t.Fatalf("the stack CA (DB_TLS_DIR of swarm-local.sh env): %v", err)
	}
	otherDir := filepath.Join(t.TempDir(), "other")
	RunCmd(t, nil, repoPath("scripts", "db-tls.sh"), otherDir)
	otherCA, err := os.ReadFile(filepath.Join(otherDir, "ca-bundle.crt"))
	if err != nil {
		t.Fatal(err)
	}
	for name, pem := range map[string][]byte{"/tmp/dbtls-stack-ca.crt": stackCA, "/tmp/dbtls-other-ca.crt": otherCA} {
		s.docker(t, "exec", "-e", "PEM="+string(pem), pg, "sh", "-c", `printf '%s\n' "$PEM" >`+name)
	}
	connect := func(conninfo string) (string, error) {
		return s.tryDocker("exec", pg, "sh", "-c",
			`PGPASSWORD=$(cat /run/secrets/db_password) PGCONNECT_TIMEOUT=10 psql -X -qAt -d "$0" -c "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"`,
			conninfo+" user=minitwit dbname=minitwit")
	}
	for _, c := range []struct {
		name, conninfo, want string // want: in the error, or "t" for a TLS session
	}{
		{"VerifyFullStackCA", "host=postgres sslmode=verify-full sslrootcert=/tmp/dbtls-stack-ca.crt", "t"},
		{"NoTLS", "host=" + pgIPs[0] + " sslmode=disable", "no pg_hba.conf entry"},
		{"NoTLSByName", "host=postgres sslmode=disable", "no encryption"},
		{"OtherCA", "host=postgres sslmode=verify-full sslrootcert=/tmp/dbtls-other-ca.crt", "certificate verify failed"},
		{"WrongHostName", "host=" + pgIPs[0] + " sslmode=verify-full sslrootcert=/tmp/dbtls-stack-ca.crt", "does not match host name"},
	} {
		out, err := connect(c.conninfo)
		switch {
		case c.want == "t" && (err != nil || strings.TrimSpace(out) != "t"):
			t.Errorf("%s (%s): %v %q, want a TLS session", c.name, c.conninfo, err, out)
		case c.want != "t" && err == nil:
			t.Errorf("%s (%s): connected (%q), want a refusal", c.name, c.conninfo, out)
		case c.want != "t" && !strings.Contains(out, c.want):
			t.Errorf("%s (%s): refused with %q, want %q", c.name, c.conninfo, out, c.want)
		default:
			t.Logf("%s: %s", c.name, first(lines(out), 1))
		}
	}
}

// backendIPs are the addresses of a service's running tasks on the stack's
// backend network.
func (s *localSwarm) backendIPs(t testing.TB, svc string) []string {
	t.Helper()
	var ips []string
	for _, id := range s.containers(t, svc) {
		ip := s.docker(t, "inspect", "-f", `{{with index .NetworkSettings.Networks "`+s.stack+`_backend"}}{{.IPAddress}}{{end}}`, id)
		if ip != "" {
			ips = append(ips, ip)
		}
	}
	return ips
}
