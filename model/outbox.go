package model

import "time"

// OutboxEvent is a domain event written in the transaction of the change it
// reports. A relay moves unsent rows to the queue and marks them sent; the
// consumer marks HandledAt, so a redelivered event takes effect once.
type OutboxEvent struct {
	ID      int64  `gorm:"primaryKey" json:"id"`
	Kind    string `gorm:"size:64;not null" json:"kind"`
	Payload string `gorm:"type:text;not null" json:"payload"` // JSON with ids, never whole rows
	// SentAt is when the relay queued it; NULL rows wait for the relay.
	SentAt     *time.Time `gorm:"index" json:"sent_at"`
	LeaseUntil *time.Time `json:"-"` // a relay holds the row until then
	LeaseOwner string     `gorm:"size:64" json:"-"`
	Attempts   int        `gorm:"not null;default:0" json:"attempts"`
	LastError  string     `gorm:"size:255" json:"last_error,omitempty"`
	HandledAt  *time.Time `json:"handled_at"` // set by the consumer
	CreatedAt  time.Time  `gorm:"not null;index" json:"created_at"`
}

// IdempotencyRecord remembers an HQ write sent with an Idempotency-Key: the
// request's fingerprint and, once it finished, the response to replay.
type IdempotencyRecord struct {
	ID        int64      `gorm:"primaryKey"`
	Key       string     `gorm:"column:idem_key;size:64;not null;uniqueIndex"` // hash of the route and header value
	BodyHash  string     `gorm:"size:64;not null"`
	Status    int        `gorm:"not null;default:0"` // 0 while the first request runs
	Response  string     `gorm:"type:mediumtext"`
	CreatedAt time.Time  `gorm:"not null;index"`
	DoneAt    *time.Time ``
}

// CallbackReply is the reply a callback delivery got, kept in the database
// when the Redis reply cache could not keep it, so a retried delivery gets
// the same reply.
type CallbackReply struct {
	Key       string    `gorm:"primaryKey;size:191"`
	Reply     string    `gorm:"type:text;not null"`
	CreatedAt time.Time `gorm:"not null;index"`
}
