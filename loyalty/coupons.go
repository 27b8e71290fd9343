package loyalty

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/outbox"
	"github.com/siyu/siyu/store"
)

// errTemplateInactive: the template is switched off or its fixed validity
// has ended; level coupons skip it, redemptions and HQ pushes refuse.
var errTemplateInactive = model.Errorf(model.ECONFLICT, "coupon template is inactive or its validity has ended")

// newCode returns 16 characters of base32 from 80 random bits: unguessable,
// and unambiguous to read out at a till.
func newCode() string {
	var b [10]byte
	rand.Read(b[:])
	return base32.StdEncoding.EncodeToString(b[:])
}

// normalizeCode accepts a code as typed: spaces, dashes, lower case.
func normalizeCode(s string) string {
	return strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(s)))
}

// issueCoupon issues one coupon of the template to the member in tx. key
// is the idempotency key: issuing twice with one key returns the first
// coupon, created false. Errors: model.ErrCouponTemplateMissing,
// errTemplateInactive.
func (s *Service) issueCoupon(tx *gorm.DB, templateID, memberID int64, source, key string) (c model.Coupon, created bool, err error) {
	var t model.CouponTemplate
	if err := tx.Take(&t, templateID).Error; err != nil {
		return c, false, store.NotFound(err, model.Detail(model.ErrCouponTemplateMissing, "coupon template %d not found", templateID))
	}
	c, err = s.newCoupon(t, memberID, source, key)
	if err != nil {
		return c, false, err
	}
	for range 3 {
		c.ID, c.Code = 0, newCode()
		err := tx.Create(&c).Error
		if err == nil {
			return c, true, outbox.Record(tx, outbox.Event{Kind: outbox.KindCouponIssued, Payload: outbox.CouponIssued{MemberID: memberID, CouponID: c.ID, Source: source}})
		}
		if !model.IsDuplicate(err) {
			return c, false, err
		}
		// The key was used (a retry): return that coupon. Otherwise the code
		// collided (2^-80): draw another.
		var prev model.Coupon
		if err := store.ForUpdate(tx.Where("issue_key = ?", key)).Take(&prev).Error; err == nil {
			return prev, false, nil
		} else if !errors.Is(err, gorm.ErrRecordNotFound) {
			return c, false, err
		}
	}
	return c, false, fmt.Errorf("coupon: no unique code after 3 draws")
}

// newCoupon builds (does not insert) a coupon of t for the member, valid
// from now; errTemplateInactive when t is switched off or already over.
func (s *Service) newCoupon(t model.CouponTemplate, memberID int64, source, key string) (model.Coupon, error) {
	now := s.stamp()
	c := model.Coupon{TemplateID: t.ID, MemberID: memberID, Title: t.Title(), Status: model.CouponIssued, Source: source, IssueKey: key,
		CreatedAt: now, Code: newCode()}
	if t.ValidDays > 0 {
		d := now.In(s.loc)
		c.ValidFrom = now
		c.ValidTo = time.Date(d.Year(), d.Month(), d.Day()+int(t.ValidDays), 0, 0, 0, 0, s.loc).UTC()
	} else {
		c.ValidFrom, c.ValidTo = t.ValidFrom.UTC(), t.ValidTo.UTC()
	}
	if !t.Active || !c.ValidTo.After(now) {
		return model.Coupon{}, errTemplateInactive
	}
	return c, nil
}

// IssueResult is one member's outcome of an HQ coupon push.
type IssueResult struct {
	MemberID int64         `json:"member_id"`
	Coupon   *model.Coupon `json:"coupon,omitempty"`
	Error    error         `json:"-"`
}

// IssueCoupons gives one coupon of the template to each member (HQ push;
// guides use the same with source guide). requestID makes it idempotent:
// the same request issues nothing new. Per-member errors (unknown member)
// are in the results; the whole call fails for an unknown or inactive
// template. Errors: EINVALID, ErrCouponTemplateMissing, ECONFLICT.
func (s *Service) IssueCoupons(ctx context.Context, templateID int64, memberIDs []int64, source, requestID string) ([]IssueResult, error) {
	if !model.ValidOrderNo(requestID) {
		return nil, model.Errorf(model.EINVALID, "request_id %q: want 1-64 letters, digits or _-.:#/", requestID)
	}
	if len(memberIDs) == 0 || len(memberIDs) > 1000 {
		return nil, model.Errorf(model.EINVALID, "member_ids: want 1..1000 members")
	}
	out := make([]IssueResult, 0, len(memberIDs))
	for _, id := range memberIDs {
		r := IssueResult{MemberID: id}
		err := s.st.Tx(ctx, func(tx *gorm.DB) error {
			if _, err := store.LockMember(tx, id); err != nil {
				return err
			}
			c, _, err := s.issueCoupon(tx, templateID, id, source, fmt.Sprintf("%s:%s:%d:%d", source, requestID, id, templateID))
			r.Coupon = &c
			return err
		})
		switch {
		case errors.Is(err, model.ErrMemberNotFound):
			r.Coupon, r.Error = nil, model.Detail(model.ErrMemberNotFound, "member %d not found", id)
		case err != nil:
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// CouponRedeem is a till's request to redeem (核销) a coupon.
type CouponRedeem struct {
	Code      string
	StoreCode string
	// RequestID, when given, makes a retried 核销 from the same till answer
	// as the first did instead of "already redeemed".
	RequestID string
}

// RedeemCoupon marks the coupon redeemed at the store, exactly once, with
// a guarded update (status issued and inside its validity). replay is true
// when this request had redeemed it already. Errors: EINVALID,
// ErrCouponNotFound, ErrCouponUsed, ErrCouponExpired.
func (s *Service) RedeemCoupon(ctx context.Context, r CouponRedeem) (c model.Coupon, replay bool, err error) {
	code := normalizeCode(r.Code)
	if code == "" || len(code) > 32 {
		return c, false, model.Errorf(model.EINVALID, "code: required")
	}
	if r.StoreCode == "" || len(r.StoreCode) > 64 || len(r.RequestID) > 64 {
		return c, false, model.Errorf(model.EINVALID, "store_code: required (1-64 characters); request_id: at most 64")
	}
	now := s.now().UTC()
	db := s.db.WithContext(ctx)
	res := db.Model(&model.Coupon{}).
		Where("code = ? AND status = ? AND valid_from <= ? AND valid_to > ?", code, model.CouponIssued, now, now).
		Updates(map[string]any{"status": model.CouponRedeemed, "redeemed_at": now, "redeemed_store": r.StoreCode, "redeem_request": r.RequestID})
	if res.Error != nil {
		return c, false, res.Error
	}
	if err := db.Where("code = ?", code).Take(&c).Error; err != nil {
		return c, false, store.NotFound(err, model.ErrCouponNotFound)
	}
	switch {
	case res.RowsAffected == 1:
		return c, false, nil
	case c.Status == model.CouponRedeemed && r.RequestID != "" && c.RedeemRequest == r.RequestID && c.RedeemedStore == r.StoreCode:
		return c, true, nil
	case c.Status == model.CouponRedeemed:
		return c, false, model.Detail(model.ErrCouponUsed, "coupon already redeemed at store %s at %s",
			c.RedeemedStore, c.RedeemedAt.In(s.loc).Format("2006-01-02 15:04"))
	case now.Before(c.ValidFrom):
		return c, false, model.Detail(model.ErrCouponExpired, "coupon is valid from %s", c.ValidFrom.In(s.loc).Format(time.DateOnly))
	default:
		return c, false, model.Detail(model.ErrCouponExpired, "coupon expired after %s", s.ValidThrough(c.ValidTo))
	}
}

// GetCoupon returns a coupon by code. Errors: ErrCouponNotFound.
func (s *Service) GetCoupon(ctx context.Context, code string) (model.Coupon, error) {
	var c model.Coupon
	err := s.db.WithContext(ctx).Where("code = ?", normalizeCode(code)).Take(&c).Error
	return c, store.NotFound(err, model.ErrCouponNotFound)
}

// MemberCoupons returns the member's coupons, newest first; validOnly
// keeps those that can be used now.
// Errors: the database's.
func (s *Service) MemberCoupons(ctx context.Context, memberID int64, validOnly bool, limit int) ([]model.Coupon, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	q := s.db.WithContext(ctx).Where("member_id = ?", memberID)
	if validOnly {
		now := s.now().UTC()
		q = q.Where("status = ? AND valid_to > ?", model.CouponIssued, now).Order("valid_to, id")
	} else {
		q = q.Order("id DESC")
	}
	out := []model.Coupon{}
	return out, q.Limit(limit).Find(&out).Error
}

// IssueKeyedCoupon issues one coupon of the template to the member under
// an idempotency key (an HQ task's push uses task:<id>:<member>): the same
// key returns the coupon issued the first time, created false. Errors:
// ErrMemberNotFound, ErrCouponTemplateMissing, ECONFLICT for an inactive
// template.
func (s *Service) IssueKeyedCoupon(ctx context.Context, templateID, memberID int64, source, key string) (c model.Coupon, created bool, err error) {
	err = s.st.Tx(ctx, func(tx *gorm.DB) error {
		if _, err := store.LockMember(tx, memberID); err != nil {
			return err
		}
		c, created, err = s.issueCoupon(tx, templateID, memberID, source, key)
		return err
	})
	return c, created, err
}
