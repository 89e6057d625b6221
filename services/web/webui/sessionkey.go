package webui

import (
	"crypto/rand"

	"github.com/sirupsen/logrus"
)

// SessionKey returns the configured key, or, when none is configured, a
// random one with a warning: fine for one local process, but sessions then
// end with the process and do not span replicas.
func SessionKey(configured string, log *logrus.Entry) ([]byte, error) {
	if configured != "" {
		return []byte(configured), nil
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	log.Warn("SESSION_KEY is not set: using a random key, so sessions will not survive a restart or span replicas")
	return key, nil
}
