package admin

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"minitwit/shared/domain"
	"minitwit/shared/storetest"
)

// A legacy database may hold look-alike users (alice and Alice). The
// import keeps both, gives the name key to the oldest only, and verify
// reports the group with names and ids; nothing is merged. A new
// registration of another look-alike is refused.
func TestImportReportsLookAlikeNames(t *testing.T) {
	legacy := handmade(t,
		`INSERT INTO user VALUES (1, 'alice', 'a@x', 'h'), (2, 'Alice', 'b@x', 'h'), (3, 'bob', 'c@x', 'h')`,
	)
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		var out bytes.Buffer
		if _, err := Import(ctx, legacy, db.Store, ImportOptions{Progress: &out}); err != nil {
			t.Fatalf("import: %v\n%s", err, out.String())
		}
		for _, want := range []string{"name keys: 2 set, 1 left empty", `"alice": id 1 "alice", id 2 "Alice"`} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("import report lacks %q:\n%s", want, out.String())
			}
		}
		keys := map[int64]string{}
		rows := db.Query(t, "SELECT id, name_key FROM users ORDER BY id")
		for rows.Next() {
			var id int64
			var k string
			if err := rows.Scan(&id, &k); err != nil {
				t.Fatal(err)
			}
			keys[id] = k
		}
		_ = rows.Close()
		if keys[1] != "alice" || keys[2] != "" || keys[3] != "bob" {
			t.Errorf("name keys %v, want alice for the oldest, empty for Alice, bob", keys)
		}
		out.Reset()
		rep, err := Verify(ctx, legacy, db.Store, &out)
		if err != nil {
			t.Fatalf("verify: %v\n%s", err, out.String())
		}
		if len(rep.NameCollisions) != 1 || len(rep.NameCollisions[0].Users) != 2 || rep.NameCollisions[0].Users[1].ID != 2 {
			t.Errorf("collisions %+v, want alice and Alice", rep.NameCollisions)
		}
		if !strings.Contains(out.String(), `"alice": id 1 "alice", id 2 "Alice"`) {
			t.Errorf("verify output lacks the group:\n%s", out.String())
		}
		if _, err := db.Store.CreateUser(ctx, domain.User{Username: "ALICE", Email: "x@x", PwHash: "h"}); !errors.Is(err, domain.ErrUsernameTaken) {
			t.Errorf("a third look-alike registered: %v", err)
		}
	})
}
