package operators

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/siyu/siyu/model"
)

// minPassword is the shortest password accepted, in characters.
const minPassword = 8

// NewOperator is what creating an operator takes.
type NewOperator struct {
	Username  string `json:"username"`
	Name      string `json:"name"`
	Role      string `json:"role"`
	StoreCode string `json:"store_code"`
	Password  string `json:"password"`
	// WeComUserID, if set, allows signing in with the WeCom login QR code.
	WeComUserID string `json:"wecom_userid"`
}

// OperatorUpdate changes an operator; nil fields stay as they are.
type OperatorUpdate struct {
	Name      *string `json:"name"`
	Role      *string `json:"role"`
	StoreCode *string `json:"store_code"`
	Disabled  *bool   `json:"disabled"`
	Password  *string `json:"password"`
	// WeComUserID: "" unbinds the WeCom login.
	WeComUserID *string `json:"wecom_userid"`
}

func (s *Service) hash(password string) (string, error) {
	if utf8.RuneCountInString(password) < minPassword {
		return "", model.ErrWeakPassword
	}
	if len(password) > 72 {
		return "", model.Errorf(model.EINVALID, "password: at most 72 bytes")
	}
	cost := s.cost
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	b, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	return string(b), err
}

// CreateOperator adds an account and records it for a, in one transaction.
// Errors: EINVALID (bad field, weak password), ECONFLICT (username taken).
func (s *Service) CreateOperator(ctx context.Context, in NewOperator, a Actor) (model.Operator, error) {
	op := model.Operator{Username: in.Username, Name: in.Name, Role: in.Role, StoreCode: in.StoreCode, WeComUserID: optional(in.WeComUserID)}
	if err := op.Validate(); err != nil {
		return op, err
	}
	h, err := s.hash(in.Password)
	if err != nil {
		return op, err
	}
	op.PasswordHash = h
	err = s.tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&model.Operator{}).Where("username = ?", op.Username).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return model.Errorf(model.ECONFLICT, "username %q is taken", op.Username)
		}
		if err := wecomFree(tx, op); err != nil {
			return err
		}
		if err := tx.Create(&op).Error; err != nil {
			return err
		}
		return s.Record(ctx, tx, a, Entry{Action: "operator.create", Target: target(op), Change: map[string]any{"after": op}, Result: 201})
	})
	return op, err
}

// optional is nil for "" (a unique column that many rows leave empty).
func optional(s string) *string {
	if s = strings.TrimSpace(s); s == "" {
		return nil
	}
	return &s
}

func target(op model.Operator) string { return fmt.Sprintf("operator:%d:%s", op.ID, op.Username) }

// GetOperator returns the operator with id. Errors: ErrOperatorNotFound.
func (s *Service) GetOperator(ctx context.Context, id int64) (model.Operator, error) {
	var op model.Operator
	err := s.db.WithContext(ctx).Take(&op, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return op, model.Detail(model.ErrOperatorNotFound, "operator %d not found", id)
	}
	return op, err
}

// FindOperator returns the operator named username. Errors:
// ErrOperatorNotFound.
func (s *Service) FindOperator(ctx context.Context, username string) (model.Operator, error) {
	var op model.Operator
	err := s.db.WithContext(ctx).Where("username = ?", strings.TrimSpace(username)).Take(&op).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return op, model.Detail(model.ErrOperatorNotFound, "operator %q not found", username)
	}
	return op, err
}

// ListOperators returns every operator by username. Errors: the database's.
func (s *Service) ListOperators(ctx context.Context) ([]model.Operator, error) {
	out := []model.Operator{}
	return out, s.db.WithContext(ctx).Order("username").Find(&out).Error
}

// UpdateOperator applies u to operator id and records before and after for
// a in the same transaction. A new password or a disable also ends the
// operator's sessions. Errors: ErrOperatorNotFound, EINVALID.
func (s *Service) UpdateOperator(ctx context.Context, id int64, u OperatorUpdate, a Actor) (model.Operator, error) {
	var op model.Operator
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Take(&op, id).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return model.Detail(model.ErrOperatorNotFound, "operator %d not found", id)
		} else if err != nil {
			return err
		}
		before := op
		if u.Name != nil {
			op.Name = *u.Name
		}
		if u.Role != nil {
			op.Role = *u.Role
			if op.Role != model.OpStoreManager && u.StoreCode == nil {
				op.StoreCode = ""
			}
		}
		if u.StoreCode != nil {
			op.StoreCode = *u.StoreCode
		}
		if u.Disabled != nil {
			op.Disabled = *u.Disabled
		}
		if u.WeComUserID != nil {
			op.WeComUserID = optional(*u.WeComUserID)
		}
		if err := op.Validate(); err != nil {
			return err
		}
		if err := wecomFree(tx, op); err != nil {
			return err
		}
		change := map[string]any{"before": before, "after": op}
		if u.Password != nil {
			h, err := s.hash(*u.Password)
			if err != nil {
				return err
			}
			op.PasswordHash = h
			change["password_changed"] = true
		}
		if err := tx.Select("name", "role", "store_code", "disabled", "password_hash", "wecom_user_id", "updated_at").Save(&op).Error; err != nil {
			return err
		}
		return s.Record(ctx, tx, a, Entry{Action: "operator.update", Target: target(op), Change: change, Result: 200})
	})
	if err == nil && (u.Password != nil || op.Disabled) {
		err = s.EndSessions(ctx, op.ID)
	}
	return op, err
}

// DeleteOperator removes an operator and its keys, ends its sessions and
// records it, in one transaction. Errors: ErrOperatorNotFound.
func (s *Service) DeleteOperator(ctx context.Context, id int64, a Actor) error {
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var op model.Operator
		if err := tx.Take(&op, id).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return model.Detail(model.ErrOperatorNotFound, "operator %d not found", id)
		} else if err != nil {
			return err
		}
		if err := tx.Where("operator_id = ?", id).Delete(&model.APIKey{}).Error; err != nil {
			return err
		}
		if err := tx.Delete(&op).Error; err != nil {
			return err
		}
		return s.Record(ctx, tx, a, Entry{Action: "operator.delete", Target: target(op), Change: map[string]any{"before": op}, Result: 200})
	})
	if err != nil {
		return err
	}
	return s.EndSessions(ctx, id)
}

// SetPassword changes username's password (the CLI's passwd). Errors:
// ErrOperatorNotFound, ErrWeakPassword.
func (s *Service) SetPassword(ctx context.Context, username, password string, a Actor) error {
	op, err := s.FindOperator(ctx, username)
	if err != nil {
		return err
	}
	_, err = s.UpdateOperator(ctx, op.ID, OperatorUpdate{Password: &password}, a)
	return err
}

// DisableOperator disables username (the CLI's disable): it can no longer
// log in, and its sessions and keys stop working. Errors:
// ErrOperatorNotFound.
func (s *Service) DisableOperator(ctx context.Context, username string, a Actor) error {
	op, err := s.FindOperator(ctx, username)
	if err != nil {
		return err
	}
	t := true
	_, err = s.UpdateOperator(ctx, op.ID, OperatorUpdate{Disabled: &t}, a)
	return err
}

// wecomFree refuses a WeCom userid another operator already signs in with.
// Errors: ECONFLICT.
func wecomFree(tx *gorm.DB, op model.Operator) error {
	if op.WeComUserID == nil {
		return nil
	}
	var n int64
	if err := tx.Model(&model.Operator{}).Where("wecom_user_id = ? AND id <> ?", *op.WeComUserID, op.ID).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return model.Errorf(model.ECONFLICT, "WeCom userid %q is bound to another operator", *op.WeComUserID)
	}
	return nil
}
