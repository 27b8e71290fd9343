package segments

import (
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
)

// recordLifecycleChanges writes a model.LifecycleChange for every member of
// [lo, hi) whose staged lifecycle differs from the stored one, inside the
// transaction that applies the staged values (call it before they are
// applied, while the staging row still holds the old state; the staging
// table's name comes from the model, which owns it). A member's
// first computed state (old value empty) is not a move. The cause: 流失
// with no way left to reach the member is unreachable; a move to a more
// active state is an interaction; anything else is time passing.
func recordLifecycleChanges(tx *gorm.DB, run segmentRun, lo, hi int64, now time.Time) error {
	rank := func(col string) string {
		return `CASE ` + col + ` WHEN '` + LifecycleNew + `' THEN 0 WHEN '` + LifecycleActive + `' THEN 1 WHEN '` +
			LifecycleSilent + `' THEN 2 WHEN '` + LifecycleSleeping + `' THEN 3 ELSE 4 END`
	}
	q := `INSERT INTO lifecycle_changes (member_id, store_code, from_state, to_state, cause, day, changed_at, run_id)
		SELECT s.member_id, m.store_code, s.old_lifecycle, s.lifecycle,
			CASE WHEN s.lifecycle = ? AND m.subscribed = ? AND NOT EXISTS (SELECT 1 FROM guide_relations gr
					WHERE gr.member_id = s.member_id AND gr.ended_at IS NULL) THEN ?
				WHEN ` + rank("s.lifecycle") + ` < ` + rank("s.old_lifecycle") + ` THEN ?
				ELSE ? END,
			?, ?, ?
		FROM ` + model.SegmentStaging{}.TableName() + ` s JOIN members m ON m.id = s.member_id
		WHERE s.run_id = ? AND s.member_id >= ? AND s.member_id < ? AND s.old_lifecycle <> '' AND s.lifecycle <> s.old_lifecycle`
	return tx.Exec(q, LifecycleChurned, false, model.LifecycleCauseUnreachable, model.LifecycleCauseInteraction,
		model.LifecycleCauseAged, run.day, now.UTC(), run.id, run.id, lo, hi).Error
}
