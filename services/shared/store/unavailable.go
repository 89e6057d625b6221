package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"minitwit/shared/domain"
)

// unavailableConnector marks every failure to open a connection as
// domain.ErrUnavailable: the database is down or unreachable, which the
// services answer with 503, not 500.
type unavailableConnector struct{ driver.Connector }

func (c unavailableConnector) Connect(ctx context.Context) (driver.Conn, error) {
	// pgx applies its ConnectTimeout to dialling and authentication only;
	// the name lookup before them would wait for the resolver (5 s when
	// Docker's DNS forwards the name of a vanished task outside).
	ctx, cancel := context.WithTimeout(ctx, ConnectTimeout)
	defer cancel()
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: database: %w", domain.ErrUnavailable, err)
	}
	return conn, nil
}

// markUnavailable registers GORM callbacks that mark an error of an open
// connection lost mid-query (the server shut down, the network broke) as
// domain.ErrUnavailable too.
func markUnavailable(db *gorm.DB) error {
	mark := func(tx *gorm.DB) {
		if tx.Error != nil && !errors.Is(tx.Error, domain.ErrUnavailable) && connectionLost(tx.Error) {
			tx.Error = fmt.Errorf("%w: database: %v", domain.ErrUnavailable, tx.Error)
		}
	}
	const name = "minitwit:unavailable"
	cb := db.Callback()
	for _, err := range []error{
		cb.Create().After("*").Register(name, mark),
		cb.Query().After("*").Register(name, mark),
		cb.Update().After("*").Register(name, mark),
		cb.Delete().After("*").Register(name, mark),
		cb.Row().After("*").Register(name, mark),
		cb.Raw().After("*").Register(name, mark),
	} {
		if err != nil {
			return fmt.Errorf("register %s: %w", name, err)
		}
	}
	return nil
}

// connectionLost reports errors that say the database connection, not the
// statement, failed.
func connectionLost(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08: connection exception; 57P01-57P03: the server is
		// shutting down or not accepting connections yet.
		return strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03"
	}
	var netErr net.Error
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.As(err, &netErr) || pgconn.Timeout(err)
}
