package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
)

// checkLoopback refuses any target that is not this machine: a literal
// loopback address, or localhost (or a name under .localhost) all of whose
// addresses are loopback. The dialer checks again, so a name that later resolves
// elsewhere is refused too.
func checkLoopback(ctx context.Context, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("target %q: %v", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("target %q: want an http:// or https:// URL", raw)
	}
	host := u.Hostname()
	if host == "" {
		return nil, fmt.Errorf("target %q has no host", raw)
	}
	if err := loopbackHost(ctx, host); err != nil {
		return nil, err
	}
	return u, nil
}

func loopbackHost(ctx context.Context, host string) error {
	if ip, err := netip.ParseAddr(host); err == nil {
		if !ip.IsLoopback() {
			return fmt.Errorf("refusing target host %s: the load tool only sends to loopback addresses (127.0.0.0/8, ::1, localhost)", host)
		}
		return nil
	}
	// Only the loopback names are resolved: asking a DNS server about any
	// other name would already be traffic off this machine.
	if h := strings.ToLower(strings.TrimSuffix(host, ".")); h != "localhost" && !strings.HasSuffix(h, ".localhost") {
		return fmt.Errorf("refusing target host %s: the load tool only sends to loopback addresses (127.0.0.0/8, ::1, localhost)", host)
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return fmt.Errorf("target host %s: %v", host, err)
	}
	for _, a := range addrs {
		if !a.Unmap().IsLoopback() {
			return fmt.Errorf("refusing target host %s: it resolves to %s, not a loopback address; the load tool only sends to loopback addresses", host, a)
		}
	}
	return nil
}

// loopbackDial is the transport's dialer: it connects only to loopback
// addresses, whatever the URL said.
func loopbackDial(d *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		if err := loopbackHost(ctx, host); err != nil {
			return nil, err
		}
		return d.DialContext(ctx, network, addr)
	}
}
