package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/wx/wxsim"
)

// benchCheckIn: N members subscribe, then check in over real HTTP with
// signed, encrypted callbacks; then the same transactions (member look-up
// and check-in) run directly on other members as the baseline.
func benchCheckIn(ctx context.Context, b *benchEnv, args []string) error {
	fs := newFlags("bench checkin", "bench checkin [--members N] [--concurrency C]", "Check-ins/s and latency over HTTP vs the bare database transactions.", b.stderr)
	members := fs.Int("members", 2000, "members that check in (each path)")
	conc := fs.Int("concurrency", 32, "concurrent members")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	b.cfg.WeChat.AppID, b.cfg.WeChat.Token = "wxbench0000000000", "bench-token"
	b.cfg.WeChat.AESKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	a, cleanup, err := b.freshApp(ctx)
	if err != nil {
		return err
	}
	defer cleanup()

	base, client, stop, err := serveLoopback(a, *conc, 10*time.Second)
	if err != nil {
		return err
	}
	defer stop()
	url := base + "/wechat/callback?"
	oa := wxsim.OA{AppID: b.cfg.WeChat.AppID, Token: b.cfg.WeChat.Token, AESKey: b.cfg.WeChat.AESKey}
	post := func(ctx context.Context, plain []byte, want string) error {
		s, err := oa.Sign(plain, time.Now())
		if err != nil {
			return err
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+s.Query.Encode(), bytes.NewReader(s.Body))
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		r, err := oa.DecodeReply(raw)
		if err != nil || resp.StatusCode != 200 {
			return fmt.Errorf("status %d: %v %s", resp.StatusCode, err, raw)
		}
		if !strings.Contains(r.Content, want) {
			return fmt.Errorf("reply %q does not contain %q", r.Content, want)
		}
		return nil
	}

	fmt.Fprintf(b.out, "siyu bench checkin: %d members per path, %d concurrent, %s\n\n", *members, *conc, b.storage())
	var subLat, httpLat, directLat latencies
	subWall, err := parallel(ctx, *members, *conc, &subLat, func(ctx context.Context, i int) error {
		return post(ctx, oa.Subscribe(fmt.Sprintf("o_http_%d", i), "", time.Now()), "欢迎")
	})
	if err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	counter, err := countStatements(a.db)
	if err != nil {
		return err
	}
	httpStart := counter.snap()
	httpWall, err := parallel(ctx, *members, *conc, &httpLat, func(ctx context.Context, i int) error {
		return post(ctx, oa.Text(fmt.Sprintf("o_http_%d", i), "签到", 0, time.Now()), "签到成功")
	})
	if err != nil {
		return fmt.Errorf("check-in over HTTP: %w", err)
	}
	httpStmts := counter.since(httpStart, int64(*members))

	// Baseline: the same database work, no HTTP, no crypto, no dedupe.
	ids := make([]int64, *members)
	for i := range ids {
		m, err := a.members.FollowOA(ctx, b.cfg.WeChat.AppID, fmt.Sprintf("o_direct_%d", i), "")
		if err != nil {
			return err
		}
		ids[i] = m.Member.ID
	}
	directStart := counter.snap()
	directWall, err := parallel(ctx, *members, *conc, &directLat, func(ctx context.Context, i int) error {
		m, err := a.members.FindOrCreateOAMember(ctx, b.cfg.WeChat.AppID, fmt.Sprintf("o_direct_%d", i))
		if err != nil {
			return err
		}
		r, err := a.loyalty.CheckIn(ctx, m.ID)
		if err == nil && r.Already {
			err = fmt.Errorf("member %d already checked in", m.ID)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("direct check-in: %w", err)
	}
	directStmts := counter.since(directStart, int64(*members))

	// The bare minimal check-in: one UPDATE and two INSERTs in one
	// transaction, on members of their own.
	bare, err := benchMembers(ctx, a.db, *members, 0)
	if err != nil {
		return err
	}
	day := time.Now().In(b.cfg.Location).Format(time.DateOnly)
	var bareLat latencies
	bareWall, err := parallel(ctx, *members, *conc, &bareLat, func(ctx context.Context, i int) error {
		return a.st.Tx(ctx, func(tx *gorm.DB) error {
			id := bare[i]
			if err := tx.Exec("UPDATE members SET points = points + 5 WHERE id = ?", id).Error; err != nil {
				return err
			}
			if err := tx.Create(&model.CheckIn{MemberID: id, Day: day, Streak: 1, Points: 5}).Error; err != nil {
				return err
			}
			return tx.Create(&model.PointsEntry{MemberID: id, Delta: 5, Remaining: 5, Kind: model.PointsCheckIn,
				IdemKey: fmt.Sprintf("barecheckin:%d:%s", id, day), Note: "bench"}).Error
		})
	})
	if err != nil {
		return fmt.Errorf("bare check-in: %w", err)
	}

	printRows(b.out, []row{
		{name: "subscribe over HTTP", n: *members, wall: subWall, p50: subLat.percentile(50), p99: subLat.percentile(99)},
		{name: "check-in over HTTP", n: *members, wall: httpWall, p50: httpLat.percentile(50), p99: httpLat.percentile(99)},
		{name: "check-in direct (baseline)", n: *members, wall: directWall, p50: directLat.percentile(50), p99: directLat.percentile(99)},
	})
	fmt.Fprintln(b.out)
	printRows(b.out, []row{
		{name: "check-in over HTTP", n: *members, wall: httpWall, p50: httpLat.percentile(50), p99: httpLat.percentile(99)},
		{name: "bare UPDATE + 2 INSERTs in one tx (baseline)", n: *members, wall: bareWall, p50: bareLat.percentile(50), p99: bareLat.percentile(99)},
	})

	fmt.Fprintf(b.out, "\nSQL statements per check-in: HTTP %s; direct %s; bare 3 (+ BEGIN, COMMIT)\n", httpStmts, directStmts)

	// Correctness in the same run: one check-in per member, ledger = balance.
	bad, err := a.loyalty.CheckLedger(ctx)
	if err != nil {
		return err
	}
	var checkins int64
	a.db.Table("check_ins").Count(&checkins)
	fmt.Fprintf(b.out, "\ncheck: %d check-ins for %d members (HTTP, direct and bare); %d members whose balance differs from the ledger\n", checkins, 3**members, len(bad))
	if checkins != int64(3**members) || len(bad) > 0 {
		return fmt.Errorf("correctness check failed")
	}
	return nil
}
