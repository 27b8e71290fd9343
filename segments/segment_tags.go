package segments

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
)

// Segment tag prefixes: the part before ":" is the WeCom tag group (see
// CorpTagOf), so lifecycle and RFM tags land in groups of their own.
const (
	LifecycleTagPrefix = "生命周期:"
	RFMTagPrefix       = "RFM:"
)

// LifecycleTag is the segment tag of a lifecycle state.
func LifecycleTag(state string) string { return LifecycleTagPrefix + state }

// RFMTag is the segment tag of an RFM cell.
func RFMTag(cell string) string { return RFMTagPrefix + cell }

// segmentTagNames lists every tag the recompute puts on members.
func segmentTagNames() []string {
	var names []string
	for _, l := range Lifecycles {
		names = append(names, LifecycleTag(l))
	}
	for _, c := range RFMSegments {
		names = append(names, RFMTag(c))
	}
	return names
}

// concat is SQL string concatenation of a parameter and a column.
func concat(mysql bool, col string) string {
	if mysql {
		return "CONCAT(?, " + col + ")"
	}
	return "(? || " + col + ")"
}

// replaceSegmentTags swaps the lifecycle and RFM tags of the members of
// [lo, hi) whose values changed (two set-based statements per kind) and
// returns what changed for each of them.
func (s *Service) replaceSegmentTags(tx *gorm.DB, run segmentRun, lo, hi int64) ([]SegmentChange, error) {
	changed := `SELECT member_id FROM segment_work WHERE run_id = ? AND tag_changed = ? AND member_id >= ? AND member_id < ?`
	if err := tx.Exec(`DELETE FROM member_tags WHERE source = ? AND member_id IN (`+changed+`)
		AND tag_id IN (SELECT id FROM tags WHERE name IN ?)`,
		model.TagSourceSegment, run.id, true, lo, hi, segmentTagNames()).Error; err != nil {
		return nil, err
	}
	now := s.now().UTC()
	for prefix, col := range map[string]string{LifecycleTagPrefix: "s.lifecycle", RFMTagPrefix: "s.rfm_segment"} {
		if err := tx.Exec(`INSERT INTO member_tags (member_id, tag_id, source, created_at)
			SELECT s.member_id, t.id, ?, ? FROM segment_work s JOIN tags t ON t.name = `+concat(run.mysql, col)+`
			WHERE s.run_id = ? AND s.tag_changed = ? AND s.member_id >= ? AND s.member_id < ? AND `+col+` <> ''`,
			model.TagSourceSegment, now, prefix, run.id, true, lo, hi).Error; err != nil {
			return nil, err
		}
	}
	var rows []model.SegmentStaging
	if err := tx.Where("run_id = ? AND tag_changed = ? AND member_id >= ? AND member_id < ?", run.id, true, lo, hi).
		Order("member_id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]SegmentChange, len(rows))
	for i, r := range rows {
		c := SegmentChange{MemberID: r.MemberID}
		if r.OldLifecycle != r.Lifecycle {
			c.Add = append(c.Add, LifecycleTag(r.Lifecycle))
			if r.OldLifecycle != "" {
				c.Remove = append(c.Remove, LifecycleTag(r.OldLifecycle))
			}
		}
		if r.OldRFM != r.RFMSegment {
			c.Add = append(c.Add, RFMTag(r.RFMSegment))
			if r.OldRFM != "" {
				c.Remove = append(c.Remove, RFMTag(r.OldRFM))
			}
		}
		out[i] = c
	}
	return out, nil
}

// SegmentTags returns the member's segment tags (lifecycle and RFM), by
// name. Errors: the database's.
func (s *Service) SegmentTags(ctx context.Context, memberID int64) ([]string, error) {
	var names []string
	err := s.db.WithContext(ctx).Table("member_tags").Joins("JOIN tags ON tags.id = member_tags.tag_id").
		Where("member_tags.member_id = ? AND member_tags.source = ?", memberID, model.TagSourceSegment).
		Order("tags.name").Pluck("tags.name", &names).Error
	return names, err
}

// IsSegmentTag reports whether name is a lifecycle or RFM tag.
func IsSegmentTag(name string) bool {
	return strings.HasPrefix(name, LifecycleTagPrefix) || strings.HasPrefix(name, RFMTagPrefix)
}

// OpenIDs returns the Official Account openids of the members, by member
// id; members without one are left out. Errors: the database's.
func (s *Service) OpenIDs(ctx context.Context, memberIDs []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(memberIDs) == 0 {
		return out, nil
	}
	var rows []model.Identity
	if err := s.db.WithContext(ctx).Where("member_id IN ? AND platform = ?", memberIDs, model.PlatformOA).
		Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		if _, ok := out[r.MemberID]; !ok {
			out[r.MemberID] = r.ExternalID
		}
	}
	return out, nil
}
