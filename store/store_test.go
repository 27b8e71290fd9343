package store_test

import (
	"context"
	"errors"
	"testing"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/model/modeltest"
	"github.com/siyu/siyu/store"
)

func TestNotFound(t *testing.T) {
	other := errors.New("boom")
	for _, tc := range []struct {
		in, want error
	}{
		{nil, nil},
		{gorm.ErrRecordNotFound, model.ErrMemberNotFound},
		{other, other},
	} {
		if got := store.NotFound(tc.in, model.ErrMemberNotFound); !errors.Is(got, tc.want) {
			t.Errorf("NotFound(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// TestTxRetryRules: OnRace runs a raced transaction again, OnConflict runs
// neither a duplicate nor a merged member again.
func TestTxRetryRules(t *testing.T) {
	db := modeltest.NewDB(t)
	st := store.New(db)
	ctx := context.Background()
	runs := 0
	err := st.TxRetry(ctx, store.OnRace, func(tx *gorm.DB) error {
		if runs++; runs < 3 {
			return store.ErrRaced
		}
		return nil
	})
	if err != nil || runs != 3 {
		t.Errorf("OnRace: err %v after %d runs, want nil after 3", err, runs)
	}
	runs = 0
	merged := model.Detail(model.ErrMemberMerged, "member 1 was merged into 2; retry")
	err = st.Tx(ctx, func(tx *gorm.DB) error { runs++; return merged })
	if !errors.Is(err, model.ErrMemberMerged) || runs != 1 {
		t.Errorf("OnConflict on a merged member: err %v after %d runs, want ErrMemberMerged after 1", err, runs)
	}
}

// TestLockMember: a live member is locked and returned, a merged one is a
// conflict naming the survivor, a missing one ErrMemberNotFound; FindMember
// follows the merge.
func TestLockMember(t *testing.T) {
	db := modeltest.NewDB(t)
	st := store.New(db)
	ctx := context.Background()
	survivor, loser := model.Member{Nickname: "a"}, model.Member{Nickname: "b"}
	for _, m := range []*model.Member{&survivor, &loser} {
		if err := db.Create(m).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Model(&loser).Update("merged_into", survivor.ID).Error; err != nil {
		t.Fatal(err)
	}
	err := st.Tx(ctx, func(tx *gorm.DB) error {
		if m, err := store.LockMember(tx, survivor.ID); err != nil || m.ID != survivor.ID {
			t.Errorf("LockMember(survivor) = %d, %v", m.ID, err)
		}
		if _, err := store.LockMember(tx, loser.ID); !errors.Is(err, model.ErrMemberMerged) || model.ErrorCode(err) != model.ECONFLICT {
			t.Errorf("LockMember(merged) = %v, want a ErrMemberMerged conflict", err)
		}
		if _, err := store.LockMember(tx, loser.ID+100); !errors.Is(err, model.ErrMemberNotFound) {
			t.Errorf("LockMember(missing) = %v, want ErrMemberNotFound", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if m, err := store.FindMember(db, loser.ID); err != nil || m.ID != survivor.ID {
		t.Errorf("FindMember(merged) = %d, %v; want the survivor %d", m.ID, err, survivor.ID)
	}
}
