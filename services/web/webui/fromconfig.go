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
	SessionStore
	TwoFactorStore
}

// FromConfig is the web UI as the binaries serve it (cmd/web alone,
// cmd/minitwit next to the API): bcrypt at the configured cost and the
// configured session key (and the previous one during a rotation), or a
// random one with a warning when none is set.
// follows is the follower service's client or the store in-process.
func FromConfig(cfg config.Config, st Store, follows domain.FollowService, log *logrus.Entry, m *metrics.Metrics) (*Handler, error) {
	key, err := SessionKey(cfg.SessionKey, log)
	if err != nil {
		return nil, err
	}
	var previous []byte
	if cfg.SessionKeyPrevious != "" {
		previous = []byte(cfg.SessionKeyPrevious)
	}
	return New(Deps{
		Users:              st,
		Messages:           st,
		Follows:            follows,
		Sessions:           st,
		TwoFactor:          st,
		Hasher:             password.Hasher{Cost: cfg.BcryptCost},
		SessionKey:         key,
		PreviousSessionKey: previous,
		Log:                log,
		Metrics:            m,
	})
}
