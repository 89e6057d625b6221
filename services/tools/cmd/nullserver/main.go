// Command nullserver answers the course simulator's requests with the
// contract's status codes and minimal valid bodies, storing nothing but the
// latest action id and the set of registered names (without them a replay's
// "taken" registrations and its /latest check could not pass). Replaying a
// scenario against it measures what the client, the kernel and HTTP cost on
// their own, so scripts/bench.sh can subtract that from a replay against the
// real service and report the server's own time per action.
//
//	nullserver -addr 127.0.0.1:8090    # API at http://127.0.0.1:8090/api
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "nullserver:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("nullserver", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8090", "listen address (loopback)")
	prefix := fs.String("prefix", "/api", "path prefix of the simulator API")
	user := fs.String("user", "simulator", "Basic auth user the simulator sends")
	password := fs.String("password", "super_safe!", "Basic auth password the simulator sends")
	if err := fs.Parse(args); err != nil {
		return err
	}
	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-addr %s: listen on a loopback address only", *addr)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           newHandler(*prefix, *user, *password),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       60 * time.Second,
	}
	fmt.Fprintf(os.Stderr, "nullserver: simulator API at http://%s%s\n", ln.Addr(), *prefix)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
