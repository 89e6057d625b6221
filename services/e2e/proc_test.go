package e2e

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Proc is a program a test started; Stop (or the test's cleanup) ends it.
type Proc struct {
	Name    string
	LogPath string // stdout and stderr together
	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error
	once    sync.Once
}

// ProcOpts say how to start a program.
type ProcOpts struct {
	Env []string // added to the test process's environment
	Dir string
	// LogDir holds the log file (default: a temporary directory of the test).
	LogDir string
	// Cred runs the program as another user (root only).
	Cred *syscall.Credential
}

// StartProc starts a program whose output goes to a log file. When the test
// ends it is sent SIGTERM (SIGKILL after 10 s), and if the test failed the
// log's last lines are printed.
func StartProc(t testing.TB, name string, opts ProcOpts, argv ...string) *Proc {
	t.Helper()
	dir := opts.LogDir
	if dir == "" {
		dir = t.TempDir()
	}
	logPath := filepath.Join(dir, name+".log")
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), opts.Env...)
	cmd.Dir = opts.Dir
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: opts.Cred}
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("starting %s: %v", name, err)
	}
	p := &Proc{Name: name, LogPath: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.Stop(syscall.SIGTERM, 10*time.Second)
		if t.Failed() {
			t.Logf("--- last lines of %s:\n%s", name, tailFile(logPath, 25))
		}
	})
	return p
}

// Pid is the process id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Exited reports whether the process has ended.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Signal sends sig to the process.
func (p *Proc) Signal(sig syscall.Signal) error { return p.cmd.Process.Signal(sig) }

// Stop sends sig and waits up to grace for the exit, then kills the whole
// process group. It returns the exit error (nil for a clean exit).
func (p *Proc) Stop(sig syscall.Signal, grace time.Duration) error {
	p.once.Do(func() {
		if !p.Exited() {
			_ = p.cmd.Process.Signal(sig)
			select {
			case <-p.done:
			case <-time.After(grace):
				_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
				<-p.done
			}
		}
	})
	<-p.done
	return p.waitErr
}

// Wait waits for the process to end by itself.
func (p *Proc) Wait(timeout time.Duration) error {
	select {
	case <-p.done:
		return p.waitErr
	case <-time.After(timeout):
		return fmt.Errorf("%s still running after %s", p.Name, timeout)
	}
}

// Log is the process's output so far.
func (p *Proc) Log() string {
	b, _ := os.ReadFile(p.LogPath)
	return string(b)
}

// tailFile is the last n lines of a file.
func tailFile(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

// RunCmd runs a command to completion and returns its combined output; a
// non-zero exit fails the test.
func RunCmd(t testing.TB, env []string, argv ...string) string {
	t.Helper()
	out, err := TryCmd(env, argv...)
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
	return out
}

// TryCmd runs a command to completion and returns its combined output and error.
func TryCmd(env []string, argv ...string) (string, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// NeedTool fails the test (never skips it) when a program is missing, and
// names the Debian package that holds it.
func NeedTool(t testing.TB, path, pkg string) string {
	t.Helper()
	if strings.Contains(path, "/") {
		if _, err := os.Stat(path); err == nil {
			return path
		}
	} else if p, err := exec.LookPath(path); err == nil {
		return p
	}
	t.Fatalf("%s is missing: apt-get install %s (scripts/test.sh installs it)", path, pkg)
	return ""
}

var (
	portsMu sync.Mutex
	given   = map[int]bool{}
)

// FreePort is a TCP port on 127.0.0.1 that nothing listens on and that this
// test run has not handed out before. It stays below the kernel's ephemeral
// range: tests open thousands of short client connections, and those take
// ephemeral local ports that a server then cannot bind.
func FreePort(t testing.TB) int {
	t.Helper()
	portsMu.Lock()
	defer portsMu.Unlock()
	low := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		fmt.Sscan(string(b), &low)
	}
	for range 500 {
		p := 10000 + rand.IntN(low-10000)
		if given[p] {
			continue
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			continue
		}
		l.Close()
		given[p] = true
		return p
	}
	t.Fatal("no free port below the ephemeral range")
	return 0
}

// insecureClient talks to the test's own self-signed TLS servers.
var insecureClient = &http.Client{
	Timeout:   5 * time.Second,
	Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
}

// WaitHTTP polls url until it answers 2xx, or fails the test after timeout.
// If proc is given and ends first, the test fails at once with its log.
func WaitHTTP(t testing.TB, url string, timeout time.Duration, proc *Proc) {
	t.Helper()
	if err := waitHTTP(url, timeout, proc); err != nil {
		if proc != nil {
			t.Fatalf("%v\n--- %s:\n%s", err, proc.Name, tailFile(proc.LogPath, 25))
		}
		t.Fatal(err)
	}
}

func waitHTTP(url string, timeout time.Duration, proc *Proc) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		if proc != nil && proc.Exited() {
			return fmt.Errorf("%s exited before %s answered", proc.Name, url)
		}
		resp, err := insecureClient.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode/100 == 2 {
				return nil
			}
			err = errors.New(resp.Status)
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("timed out after %s waiting for %s: %v", timeout, url, last)
}

// Eventually polls cond every 100 ms until it returns nil or timeout passes,
// then fails the test with cond's last error.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var err error
	for {
		if err = cond(); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not true after %s: %v", what, timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
