package webui

import (
	"net/http"
	"testing"
)

// Failed sign-ins count against the TCP peer; only a peer where the
// gateway runs (loopback, private addresses) may name the client in
// X-Forwarded-For, and then its last entry (the one NGINX wrote) counts.
func TestClientAddress(t *testing.T) {
	tests := []struct {
		remote, xff, want string
	}{
		{"203.0.113.5:4711", "", "203.0.113.5"},
		{"203.0.113.5:4711", "198.51.100.1", "203.0.113.5"}, // a direct client cannot choose
		{"127.0.0.1:4711", "", "127.0.0.1"},
		{"127.0.0.1:4711", "198.51.100.1", "198.51.100.1"},
		{"10.0.1.7:4711", "1.1.1.1, 198.51.100.1", "198.51.100.1"},
		{"10.0.1.7:4711", "not an address", "10.0.1.7"},
		{"[::1]:4711", "2001:db8::1", "2001:db8::1"},
		{"[2001:db8::9]:4711", "198.51.100.1", "2001:db8::9"},
	}
	for _, tt := range tests {
		r := &http.Request{RemoteAddr: tt.remote, Header: http.Header{}}
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		if got := clientAddress(r); got != tt.want {
			t.Errorf("clientAddress(%s, XFF %q) = %q, want %q", tt.remote, tt.xff, got, tt.want)
		}
	}
}
