package admin

import (
	"context"
	"errors"
	"fmt"
	"io"

	"minitwit/shared/domain"
	"minitwit/shared/store"
)

// RevokeSessions signs username out everywhere: it deletes every session
// row of the user, so every copy of every session cookie stops working on
// the next request, on every web replica. It prints and returns how many
// sessions ended. The password stays; a user whose password may be known
// to someone else should also change it (or have it reset).
func RevokeSessions(ctx context.Context, st *store.Store, username string, out io.Writer) (int64, error) {
	u, err := st.UserByName(ctx, username)
	if errors.Is(err, domain.ErrNotFound) {
		return 0, fmt.Errorf("no user named %q", username)
	}
	if err != nil {
		return 0, err
	}
	n, err := st.DeleteUserSessions(ctx, u.ID)
	if err != nil {
		return 0, err
	}
	fmt.Fprintf(out, "%s: %d session(s) ended\n", u.Username, n)
	return n, nil
}
