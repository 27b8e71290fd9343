package loyalty_test

import (
	"sync"
	"testing"
	"time"

	"github.com/siyu/siyu/model"
)

// TestCheckInMemberFromARowRead: checking in the member row read without a
// lock credits exactly as CheckIn does; a row that moved in between (points
// spent, another check-in) is not trusted — the balance, streak and ledger
// still come out right — and a second check-in the same day credits nothing.
func TestCheckInMemberFromARowRead(t *testing.T) {
	e := newEnv(t)
	id := e.member(100)

	seen := e.get(id)
	e.adjust(id, -30) // the row moves after it was read
	r, err := e.s.CheckInMember(e.ctx, seen)
	if err != nil || r.Already || r.Credited != 5 || r.Balance != 75 || r.Streak != 1 {
		t.Fatalf("check-in from a stale row: %+v, %v; want 5 credited, balance 75, streak 1", r, err)
	}
	again, err := e.s.CheckInMember(e.ctx, seen) // the same stale row: today's check-in happened since
	if err != nil || !again.Already || again.Credited != 0 || again.Balance != 75 {
		t.Fatalf("second check-in from the stale row: %+v, %v; want already, balance 75", again, err)
	}
	fresh, err := e.s.CheckInMember(e.ctx, e.get(id))
	if err != nil || !fresh.Already || fresh.Balance != 75 {
		t.Fatalf("second check-in from a fresh row: %+v, %v; want already, balance 75", fresh, err)
	}

	e.clk.Add(24 * time.Hour) // the next day, from a fresh row: no locking read needed
	next, err := e.s.CheckInMember(e.ctx, e.get(id))
	if err != nil || next.Credited != 6 || next.Streak != 2 || next.Balance != 81 {
		t.Fatalf("next day's check-in: %+v, %v; want 6 credited, streak 2, balance 81", next, err)
	}
	if n := e.count(&model.CheckIn{}, "member_id = ?", id); n != 2 {
		t.Errorf("%d check-in rows, want 2", n)
	}
}

// TestCheckInMemberConcurrent: many deliveries of the same member's
// check-in, each from the row it read, credit once.
func TestCheckInMemberConcurrent(t *testing.T) {
	e := newEnv(t)
	id := e.member(0)
	seen := e.get(id)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var credited, sum int64
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := e.s.CheckInMember(e.ctx, seen)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if r.Credited > 0 {
				credited++
			}
			sum += r.Credited
		}()
	}
	wg.Wait()
	if credited != 1 || sum != 5 || e.get(id).Points != 5 {
		t.Errorf("%d check-ins credited %d points (balance %d), want 1 crediting 5", credited, sum, e.get(id).Points)
	}
}
