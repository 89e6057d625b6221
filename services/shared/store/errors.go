package store

import (
	"errors"

	"gorm.io/gorm"

	"minitwit/shared/domain"
)

// translate turns driver errors into domain errors; anything else is
// returned as is and treated as internal by the services.
func translate(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return domain.ErrNotFound
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return domain.ErrUsernameTaken
	}
	return err
}
