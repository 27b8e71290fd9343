package operators

import (
	"context"
	"crypto/subtle"
	"errors"
	"strings"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
)

// keyPrefix starts every operator API key, so a leaked one is recognisable.
const keyPrefix = "sy_"

// CreateKey makes a new API key for operator id and records it for a. The
// key is returned once; only its SHA-256 is kept. Errors:
// ErrOperatorNotFound.
func (s *Service) CreateKey(ctx context.Context, operatorID int64, a Actor) (string, model.APIKey, error) {
	prefix := keyPrefix + randomHex(6)
	full := prefix + "_" + randomHex(20)
	k := model.APIKey{OperatorID: operatorID, Prefix: prefix, Hash: sha(full)}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var op model.Operator
		if err := tx.Take(&op, operatorID).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return model.Detail(model.ErrOperatorNotFound, "operator %d not found", operatorID)
		} else if err != nil {
			return err
		}
		if err := tx.Create(&k).Error; err != nil {
			return err
		}
		return s.Record(ctx, tx, a, Entry{Action: "key.create", Target: "key:" + prefix, Change: map[string]any{"operator": op.Username}, Result: 201})
	})
	if err != nil {
		return "", k, err
	}
	return full, k, nil
}

// ListKeys returns operator id's keys (without secrets). Errors: the
// database's.
func (s *Service) ListKeys(ctx context.Context, operatorID int64) ([]model.APIKey, error) {
	out := []model.APIKey{}
	return out, s.db.WithContext(ctx).Where("operator_id = ?", operatorID).Order("id").Find(&out).Error
}

// RevokeKey revokes the key with prefix and records it. Errors:
// ErrAPIKeyNotFound (also for a key already revoked).
func (s *Service) RevokeKey(ctx context.Context, prefix string, a Actor) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&model.APIKey{}).Where("prefix = ? AND revoked_at IS NULL", strings.TrimSpace(prefix)).
			Update("revoked_at", s.now().UTC())
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return model.Detail(model.ErrAPIKeyNotFound, "no active API key with prefix %q", prefix)
		}
		return s.Record(ctx, tx, a, Entry{Action: "key.revoke", Target: "key:" + prefix, Result: 200})
	})
}

// OperatorByKey returns the enabled operator whose active key is key.
// Errors: ErrBadCredentials for anything else.
func (s *Service) OperatorByKey(ctx context.Context, key string) (model.Operator, error) {
	var op model.Operator
	prefix, _, ok := strings.Cut(strings.TrimPrefix(key, keyPrefix), "_")
	if !ok || !strings.HasPrefix(key, keyPrefix) {
		return op, model.ErrBadCredentials
	}
	var k model.APIKey
	err := s.db.WithContext(ctx).Where("prefix = ? AND revoked_at IS NULL", keyPrefix+prefix).Take(&k).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return op, model.ErrBadCredentials
	} else if err != nil {
		return op, err
	}
	if subtle.ConstantTimeCompare([]byte(sha(key)), []byte(k.Hash)) != 1 {
		return op, model.ErrBadCredentials
	}
	if err := s.db.WithContext(ctx).Take(&op, k.OperatorID).Error; err != nil || op.Disabled {
		return model.Operator{}, model.ErrBadCredentials
	}
	return op, nil
}
