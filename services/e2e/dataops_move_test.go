package e2e

import (
	"net/http"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// testMove moves the database to the second cluster with scripts/db-move/*
// while writers keep using the API: the target replicates under load, a
// service on the target gets ready, the load moves to it and the old one
// stops gracefully (a rolling update), then the move is finished while the
// load goes on against the new server.
func (d *dataOps) testMove(t *testing.T) {
	old := StartService(t, "minitwit", ServiceOpts{DatabaseURL: d.srcURL()})
	d.ensureLoadUsers(t, d.src, old.URL)
	load := d.startLoad(t, old.URL)
	load.WaitRounds(t, 2)

	dstURL := d.dst.URL("minitwit")
	env := []string{"SRC_URL=" + d.srcURL(), "DST_URL=" + dstURL, "ADMIN=" + bin("minitwit-admin")}
	mustOpScript(t, env, "db-move/1-prepare.sh")
	mustOpScript(t, env, "db-move/2-replicate.sh")
	mustOpScript(t, append(env, "TIMEOUT=180"), "db-move/3-wait.sh")
	mustOpScript(t, env, "db-move/4-verify.sh")
	// The source's ids before the sequences are set (they only grow), and
	// the target's sequences after.
	type idState struct{ SourceMax, TargetNext int64 }
	seqs := map[string]idState{}
	for _, table := range []string{"users", "messages"} {
		seqs[table] = idState{SourceMax: pgInt(t, d.src, "minitwit", "SELECT coalesce(max(id), 0) FROM "+table)}
	}
	mustOpScript(t, env, "db-move/5-sequences.sh", "100000")
	for table, s := range seqs {
		s.TargetNext = pgInt(t, d.dst, "minitwit", "SELECT last_value FROM "+table+"_id_seq")
		seqs[table] = s
	}
	copied := pgInt(t, d.dst, "minitwit", "SELECT count(*) FROM messages")

	// The cut-over as a rolling update.
	next := StartService(t, "minitwit", ServiceOpts{DatabaseURL: dstURL})
	load.SetTarget(next.URL)
	load.WaitOnTarget(t, next.URL)
	oldStop := old.Stop(syscall.SIGTERM, 30*time.Second)
	load.WaitRounds(t, 2)
	_, finish := mustOpScript(t, env, "db-move/6-finish.sh", "--strict-follows")
	load.WaitRounds(t, 2) // the new server serves on after the clean-up
	acks, fails := load.Stop()
	oldAcks, newAcks := acksAt(acks, old.URL), acksAt(acks, next.URL)

	t.Run("ReplicatedUnderLoad", func(t *testing.T) {
		// Steps 1-5 passed (the test stops at a failed one): the target
		// caught up, and its sequences start past the source's ids.
		if copied == 0 {
			t.Errorf("the target held no messages after the initial copy")
		}
		for table, s := range seqs {
			if s.TargetNext < s.SourceMax+100000 {
				t.Errorf("%s: the target's sequence is at %d, want at least the source's max id %d + 100000", table, s.TargetNext, s.SourceMax)
			}
		}
	})

	t.Run("CutOverUnderLoad", func(t *testing.T) {
		if oldStop != nil {
			t.Errorf("the old service did not exit cleanly on SIGTERM: %v", oldStop)
		}
		if len(fails) > 0 {
			t.Errorf("%d requests failed during the move:\n%s", len(fails), strings.Join(fails, "\n"))
		}
		if oldAcks == 0 || newAcks == 0 {
			t.Errorf("the load did not write to both servers (old %d, new %d)", oldAcks, newAcks)
		}
		t.Logf("%d writes acknowledged by the old server, %d by the new, %d failed requests", oldAcks, newAcks, len(fails))
	})

	t.Run("FinalVerification", func(t *testing.T) {
		// 6-finish.sh's own verdicts, one per table, with --strict-follows.
		for _, table := range []string{"users", "messages", "follows"} {
			if !regexp.MustCompile(`(?m)^PASS ` + table + ` `).MatchString(finish) {
				t.Errorf("6-finish.sh printed no PASS for %s:\n%s", table, finish)
			}
		}
		if strings.Contains(finish, "WARN") || strings.Contains(finish, "FAIL") {
			t.Errorf("6-finish.sh warned or failed:\n%s", finish)
		}
	})

	t.Run("AcknowledgedWritesOnTarget", func(t *testing.T) {
		if missing := missingAcks(t, d.dst, "minitwit", acks); len(missing) > 0 {
			n := len(missing)
			if n > 20 {
				missing = append(missing[:20], "…")
			}
			t.Fatalf("%d of %d acknowledged writes are missing on the new server:\n%s", n, len(acks), strings.Join(missing, "\n"))
		}
		t.Logf("all %d acknowledged writes of the move are on the new server", len(acks))
	})

	t.Run("InsertsAfterCutOver", func(t *testing.T) {
		mustSimAPI(t, http.StatusNoContent, "POST", next.URL+"/api/register",
			map[string]string{"username": "after move", "email": "a@m", "pwd": "x"})
		mustSimAPI(t, http.StatusNoContent, "POST", next.URL+"/api/msgs/after%20move",
			map[string]string{"content": "new insert after the move"})
		srcMax := pgInt(t, d.src, "minitwit", "SELECT max(id) FROM messages")
		newID := pgInt(t, d.dst, "minitwit", "SELECT m.id FROM messages m JOIN users u ON u.id = m.author_id WHERE u.username = 'after move'")
		if newID <= srcMax {
			t.Errorf("the post-move message has id %d, not past the source's ids (max %d)", newID, srcMax)
		}
		t.Logf("message id %d after the cut-over; the source's ids end at %d", newID, srcMax)
	})

	t.Run("NothingLeftBehind", func(t *testing.T) {
		type leftovers struct{ SourceSlots, TargetSubscriptions, SourcePublications int64 }
		got := leftovers{
			SourceSlots:         pgInt(t, d.src, "minitwit", "SELECT count(*) FROM pg_replication_slots"),
			TargetSubscriptions: pgInt(t, d.dst, "minitwit", "SELECT count(*) FROM pg_subscription"),
			SourcePublications:  pgInt(t, d.src, "minitwit", "SELECT count(*) FROM pg_publication"),
		}
		if diff := cmp.Diff(leftovers{}, got); diff != "" {
			t.Errorf("left behind by the move (-want +got):\n%s", diff)
		}
	})

	if err := next.Stop(syscall.SIGTERM, 30*time.Second); err != nil {
		t.Errorf("the new service did not exit cleanly on SIGTERM: %v", err)
	}
}
