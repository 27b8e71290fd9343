package handover

import (
	"errors"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
)

// foundErr is store.Found: whether a row was found, and a real error.
func foundErr(err error) (bool, error) { return store.Found(err) }

// orNotFound is err, or ErrGuideNotFound when there is none.
func orNotFound(err error) error {
	if err != nil {
		return err
	}
	return model.ErrGuideNotFound
}

// firstErr is err when set, else alt.
func firstErr(err, alt error) error {
	if err != nil {
		return err
	}
	return alt
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }
