package admin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"minitwit/shared/domain"
	"minitwit/shared/store"
)

// SetFlagged flags (hides) or unflags message id and says so on out.
func SetFlagged(ctx context.Context, st *store.Store, id int64, flagged bool, out io.Writer) error {
	if err := st.SetFlagged(ctx, id, flagged); err != nil {
		if errors.Is(err, domain.ErrNotFound) {
			return fmt.Errorf("no message with id %d", id)
		}
		return err
	}
	if flagged {
		fmt.Fprintf(out, "message %d flagged: hidden from every timeline\n", id)
	} else {
		fmt.Fprintf(out, "message %d unflagged: shown again\n", id)
	}
	return nil
}

// ListMessages prints at most n messages of username, newest first, with
// flagged ones marked, one per line: id, UTC time, marker, text.
func ListMessages(ctx context.Context, st *store.Store, username string, n int, out io.Writer) error {
	msgs, err := st.MessagesByAuthor(ctx, username, n)
	if err != nil {
		if errors.Is(err, domain.ErrNotFound) {
			return fmt.Errorf("no user named %q", username)
		}
		return err
	}
	if len(msgs) == 0 {
		fmt.Fprintf(out, "%s has no messages\n", username)
		return nil
	}
	for _, m := range msgs {
		mark := "       "
		if m.Flagged {
			mark = "FLAGGED"
		}
		// Newlines inside a message would split its line; show them escaped.
		text := strings.NewReplacer("\n", `\n`, "\r", `\r`).Replace(m.Text)
		fmt.Fprintf(out, "%10d  %s  %s  %s\n", m.ID, m.PubDate.Format(time.DateTime), mark, text)
	}
	return nil
}
