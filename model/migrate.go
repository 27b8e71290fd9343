package model

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// AllModels lists every table, in creation order. Later features append
// their types here.
func AllModels() []any {
	return []any{
		&Member{}, &Identity{}, &MemberEvent{},
		&Tag{}, &MemberTag{},
		&Scene{},
		&PointsEntry{}, &CheckIn{},
		&Store{}, &Guide{},
		&ScriptGroup{}, &Script{}, &ScriptUsage{},
		&GuideRelation{}, &ContactWay{}, &QRCode{}, &WeComTag{},
		&Level{}, &LevelChange{}, &EarningRule{}, &PointsCap{},
		&Order{}, &OrderRefund{},
		&CouponTemplate{}, &Coupon{}, &GuideCouponQuota{},
		&Reward{}, &RewardClaim{}, &Redemption{}, &RewardImage{},
		&ExpiryReminder{},
		&HQTask{}, &TaskStore{}, &GuideTask{}, &TaskItem{}, &Feedback{}, &TaskHoldout{},
		&BehaviorEvent{}, &SegmentStaging{}, &SegmentSnapshot{}, &SegmentRun{}, &LifecycleChange{},
		&OutboxEvent{}, &IdempotencyRecord{}, &CallbackReply{},
		&Operator{}, &APIKey{}, &AuditEntry{},
		&GuideDeparture{}, &Handover{}, &HandoverItem{}, &HandoverGroup{},
		&Material{}, &MaterialContent{}, &MaterialUsage{},
		&Group{}, &GroupMember{}, &GroupCode{}, &GroupWelcome{}, &GroupSyncRun{},
	}
}

// Migrate brings the schema up to date. It only adds tables, columns and
// indexes, so it is safe to run at every start and from several instances.
func Migrate(ctx context.Context, db *gorm.DB) error {
	if err := db.WithContext(ctx).AutoMigrate(AllModels()...); err != nil {
		return fmt.Errorf("migrate schema: %w", err)
	}
	return nil
}
