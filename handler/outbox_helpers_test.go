package handler_test

import (
	"encoding/json"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/outbox"
)

// levelUps returns the upgrade events recorded for a member: the one
// source of the level-up notice.
func (e *testEnv) levelUps(memberID int64) []outbox.LevelChanged {
	e.t.Helper()
	var out []outbox.LevelChanged
	for _, ev := range e.outboxEvents(outbox.KindLevelChanged) {
		var p outbox.LevelChanged
		if err := json.Unmarshal([]byte(ev.Payload), &p); err != nil {
			e.t.Fatal(err)
		}
		if p.MemberID == memberID && p.Upgrade {
			out = append(out, p)
		}
	}
	return out
}

// outboxEvents returns the recorded events of a kind, oldest first.
func (e *testEnv) outboxEvents(kind string) []model.OutboxEvent {
	e.t.Helper()
	var rows []model.OutboxEvent
	if err := e.db.Where("kind = ?", kind).Order("id").Find(&rows).Error; err != nil {
		e.t.Fatal(err)
	}
	return rows
}
