// Package logging builds the structured JSON logger every service uses.
package logging

import (
	"io"

	"github.com/sirupsen/logrus"
)

// New returns a JSON logger writing to w with the service name on every line.
func New(w io.Writer, service, level string) (*logrus.Entry, error) {
	l := logrus.New()
	l.SetOutput(w)
	l.SetFormatter(&logrus.JSONFormatter{
		TimestampFormat: "2006-01-02T15:04:05.000Z07:00",
		FieldMap:        logrus.FieldMap{logrus.FieldKeyMsg: "msg"},
	})
	lvl, err := logrus.ParseLevel(level)
	if err != nil {
		return nil, err
	}
	l.SetLevel(lvl)
	return l.WithField("service", service), nil
}
