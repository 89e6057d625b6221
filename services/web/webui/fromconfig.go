package webui

import (
	"github.com/sirupsen/logrus"

	"minitwit/shared/config"
	"minitwit/shared/domain"
	"minitwit/shared/metrics"
	"minitwit/shared/password"
)

// Store is the data the web UI reads and writes besides the follower graph.
type Store interface {
	domain.UserStore
	domain.MessageStore
}

// FromConfig is the web UI as the binaries serve it (cmd/web alone,
// cmd/minitwit next to the API): bcrypt at the configured cost and the
// configured session key, or a random one with a warning when none is set.
// follows is the follower service's client or the store in-process.
func FromConfig(cfg config.Config, st Store, follows domain.FollowService, log *logrus.Entry, m *metrics.Metrics) (*Handler, error) {
	key, err := SessionKey(cfg.SessionKey, log)
	if err != nil {
		return nil, err
	}
	return New(Deps{
		Users:      st,
		Messages:   st,
		Follows:    follows,
		Hasher:     password.Hasher{Cost: cfg.BcryptCost},
		SessionKey: key,
		Log:        log,
		Metrics:    m,
	})
}
