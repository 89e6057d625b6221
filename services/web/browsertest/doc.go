// Package browsertest drives the web UI in a real headless Chromium, with
// JavaScript switched off, the way people use it: typing into forms and
// clicking links and buttons. It holds tests only; they run when
// MINITWIT_CHROMIUM names a Chromium binary (scripts/test-browser.sh sets it).
package browsertest
