package e2e

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// gwNginxUser is the user NGINX workers run as: www-data when the tests run
// as root (nginx refuses to keep root workers by default), else ourselves.
func gwNginxUser() string {
	if os.Geteuid() == 0 {
		return "www-data"
	}
	return ""
}

// gwRender runs the product's gateway/render.sh on its template with
// exactly the given settings (plus PATH) and writes output.
func gwRender(output string, settings ...string) (string, error) {
	cmd := exec.Command(repoPath("gateway", "render.sh"), repoPath("gateway", "templates", "nginx.conf.template"), output)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, settings...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// gwNginxCheck runs `nginx -t` on a configuration.
func gwNginxCheck(prefix, conf string) (string, error) {
	return TryCmd(nil, "nginx", "-t", "-q", "-p", prefix+"/", "-c", conf, "-e", "stderr")
}

// gwStartNginx starts an NGINX master in the foreground on conf (rendered by
// render, which is called again with new ports when a port was taken by
// another program between FreePort and the bind) and waits until probe
// answers.
func gwStartNginx(t testing.TB, name, prefix, conf string, render func(), probe func() string) *Proc {
	t.Helper()
	var log string
	for attempt := 1; attempt <= 3; attempt++ {
		render()
		if out, err := gwNginxCheck(prefix, conf); err != nil {
			t.Fatalf("nginx -t %s: %v\n%s", conf, err, out)
		}
		p := StartProc(t, fmt.Sprintf("%s-%d", name, attempt), ProcOpts{LogDir: filepath.Join(prefix, "..", "logs")},
			"nginx", "-p", prefix+"/", "-c", conf, "-e", "stderr")
		err := waitHTTP(probe(), 30*time.Second, p)
		if err == nil {
			return p
		}
		_ = p.Stop(syscall.SIGTERM, 10*time.Second)
		log = p.Log()
		if !strings.Contains(log, "Address already in use") {
			t.Fatalf("%s: %v\n%s", name, err, log)
		}
		t.Logf("%s: a port was taken meanwhile (attempt %d); trying others", name, attempt)
	}
	t.Fatalf("%s did not start:\n%s", name, log)
	return nil
}

// gwReloadNginx makes the master re-read its configuration and returns once
// every worker of the old configuration has finished its requests and
// exited, and new workers run.
func gwReloadNginx(t testing.TB, master *Proc) {
	t.Helper()
	old := gwChildPids(master.Pid())
	if err := master.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	Eventually(t, 60*time.Second, "nginx reloading", func() error {
		if master.Exited() {
			t.Fatalf("nginx exited during a reload:\n%s", tailFile(master.LogPath, 20))
		}
		for _, pid := range old {
			if gwPidAlive(pid) {
				return fmt.Errorf("worker %d of the old configuration still runs", pid)
			}
		}
		if len(gwChildPids(master.Pid())) == 0 {
			return errors.New("no new workers yet")
		}
		return nil
	})
}

// gwChildPids are the live child processes of pid, read from /proc.
func gwChildPids(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var kids []int
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		ppid, state, ok := gwProcStat(child)
		if ok && ppid == pid && state != "Z" {
			kids = append(kids, child)
		}
	}
	return kids
}

// pidAlive: the process exists and is not a zombie (an orphan whose new
// parent never reaps it would otherwise count as running).
func gwPidAlive(pid int) bool {
	_, state, ok := gwProcStat(pid)
	return ok && state != "Z" && state != "X"
}

// gwProcStat reads the parent pid and state of a process from /proc/PID/stat.
func gwProcStat(pid int) (ppid int, state string, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, "", false
	}
	// "PID (COMM) STATE PPID ...": COMM may hold spaces and parentheses.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, "", false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0, "", false
	}
	ppid, err = strconv.Atoi(f[1])
	return ppid, f[0], err == nil
}

// gwVIPConf is the stand-in for Swarm's virtual IP of the follower service:
// a minimal NGINX balancing over the follower processes, so the follower
// can be replaced like the others.
func gwVIPConf(dir string, port int, gwUpstreams []string) string {
	var b strings.Builder
	if u := gwNginxUser(); u != "" {
		fmt.Fprintf(&b, "user %s;\n", u)
	}
	fmt.Fprintf(&b, `worker_processes 1;
daemon off;
pid %[1]s/nginx.pid;
error_log %[1]s/../logs/vip-error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path %[1]s/client_body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    upstream follower {
`, dir)
	for _, u := range gwUpstreams {
		fmt.Fprintf(&b, "        server %s max_fails=0;\n", u)
	}
	fmt.Fprintf(&b, `        keepalive 16;
    }
    server {
        listen 127.0.0.1:%d;
        location / {
            proxy_pass http://follower;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_next_upstream error timeout;
        }
    }
}
`, port)
	return b.String()
}
