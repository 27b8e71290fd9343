package main

import (
	"fmt"
	"strings"
	"sync/atomic"

	"gorm.io/gorm"
)

// stmtCounter counts the SQL statements GORM runs on a database, by kind,
// so a bench can print how many statements one operation costs (the
// figure that moves with every change to a hot path, unlike the timings
// on a shared machine). BEGIN and COMMIT are not GORM statements and are
// counted by the caller where it knows them.
type stmtCounter struct {
	kinds [4]atomic.Int64 // select, insert, update, delete (and other raw SQL)
}

var stmtKinds = [4]string{"SELECT", "INSERT", "UPDATE", "DELETE/other"}

// countStatements registers the counter's callbacks on db (once per
// process for a given db: the callbacks stay for db's lifetime).
func countStatements(db *gorm.DB) (*stmtCounter, error) {
	c := &stmtCounter{}
	add := func(k int) func(*gorm.DB) {
		return func(tx *gorm.DB) {
			if tx.Statement.SQL.Len() > 0 { // built and sent
				c.kinds[k].Add(1)
			}
		}
	}
	cb := db.Callback()
	err := cb.Query().After("gorm:query").Register("bench:count", add(0))
	if err == nil {
		err = cb.Create().After("gorm:create").Register("bench:count", add(1))
	}
	if err == nil {
		err = cb.Update().After("gorm:update").Register("bench:count", add(2))
	}
	if err == nil {
		err = cb.Delete().After("gorm:delete").Register("bench:count", add(3))
	}
	if err == nil {
		err = cb.Row().After("gorm:row").Register("bench:count", func(tx *gorm.DB) { c.raw(tx) })
	}
	if err == nil {
		err = cb.Raw().After("gorm:raw").Register("bench:count", func(tx *gorm.DB) { c.raw(tx) })
	}
	return c, err
}

// raw files a Raw/Exec statement under the kind its SQL starts with.
func (c *stmtCounter) raw(tx *gorm.DB) {
	sql := strings.ToUpper(strings.TrimSpace(tx.Statement.SQL.String()))
	switch {
	case strings.HasPrefix(sql, "SELECT"):
		c.kinds[0].Add(1)
	case strings.HasPrefix(sql, "INSERT"):
		c.kinds[1].Add(1)
	case strings.HasPrefix(sql, "UPDATE"):
		c.kinds[2].Add(1)
	default:
		c.kinds[3].Add(1)
	}
}

// stmtSnap is the counter at one moment.
type stmtSnap [4]int64

func (c *stmtCounter) snap() stmtSnap {
	var s stmtSnap
	for i := range s {
		s[i] = c.kinds[i].Load()
	}
	return s
}

// since returns the statements run after s, per operation (ops > 0), as
// "12.0 (5.0 SELECT, 4.0 INSERT, 3.0 UPDATE)".
func (c *stmtCounter) since(s stmtSnap, ops int64) string {
	now := c.snap()
	var total int64
	var parts []string
	for i := range now {
		d := now[i] - s[i]
		total += d
		if d > 0 {
			parts = append(parts, fmt.Sprintf("%s %s", perOp(d, ops), stmtKinds[i]))
		}
	}
	return fmt.Sprintf("%s (%s)", perOp(total, ops), strings.Join(parts, ", "))
}

func perOp(n, ops int64) string {
	if ops <= 0 {
		return "-"
	}
	v := float64(n) / float64(ops)
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d", int64(v))
	}
	return fmt.Sprintf("%.2f", v)
}
