// Package e2e holds MiniTwit's end-to-end suites: each starts the real parts
// (PostgreSQL, the service binaries, NGINX, Prometheus, Chromium, ...) on
// 127.0.0.1 through typed helpers that stop them again with t.Cleanup, and
// checks the system from outside. The binaries are built once, in TestMain.
//
// Run one suite or one check from the repository's top level:
//
//	go test ./services/e2e -run 'Gateway'
//	go test ./services/e2e -run 'Gateway/AcceptedIPs'
//
// The tools the suites start come from Debian's packages; scripts/test.sh
// installs them. A suite whose tool is missing fails and names the package,
// it is never skipped.
//
// What each suite proves is listed in suites.md next to this file.
package e2e
