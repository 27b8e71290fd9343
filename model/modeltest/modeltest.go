// Package modeltest gives tests a fresh, migrated database: a new MySQL
// database on the server in TEST_MYSQL_DSN when it is set (CI), else an
// embedded SQLite file in the test's temp dir.
package modeltest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
)

var seq atomic.Int64

// DSN returns the MySQL DSN of a fresh, empty database for t (dropped when t
// ends), or "" when TEST_MYSQL_DSN is unset. A set TEST_MYSQL_DSN whose
// server does not answer fails the test: it never skips.
func DSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv("TEST_MYSQL_DSN")
	if base == "" {
		return ""
	}
	mc, err := gomysql.ParseDSN(base)
	if err != nil {
		t.Fatalf("TEST_MYSQL_DSN: %v", err)
	}
	mc.DBName = ""
	admin, err := sql.Open("mysql", mc.FormatDSN())
	if err != nil {
		t.Fatalf("TEST_MYSQL_DSN: %v", err)
	}
	t.Cleanup(func() {
		if err := admin.Close(); err != nil {
			t.Errorf("close the MySQL admin connection: %v", err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	name := fmt.Sprintf("siyu_t_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6, seq.Add(1))
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		t.Fatalf("TEST_MYSQL_DSN is set but MySQL does not answer: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	mc.DBName = name
	mc.ParseTime = true
	if mc.Params == nil {
		mc.Params = map[string]string{}
	}
	mc.Params["charset"] = "utf8mb4"
	mc.Loc = time.UTC
	return mc.FormatDSN()
}

// NewDB returns a migrated database for t, closed when t ends.
func NewDB(t testing.TB) *gorm.DB {
	t.Helper()
	ctx := context.Background()
	opts := model.DBOptions{MySQLDSN: DSN(t), SQLitePath: t.TempDir() + "/siyu.db"}
	db, err := model.Open(ctx, opts)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() {
		sqlDB, err := db.DB()
		if err == nil {
			err = sqlDB.Close()
		}
		if err != nil {
			t.Errorf("close test database: %v", err)
		}
	})
	if err := model.Migrate(ctx, db); err != nil {
		t.Fatalf("migrate test database: %v", err)
	}
	return db
}

// UsingMySQL reports whether tests run against MySQL.
func UsingMySQL() bool { return os.Getenv("TEST_MYSQL_DSN") != "" }

// Count counts rows of table matching the optional condition (a query and
// its arguments), failing the test on error.
func Count(t testing.TB, db *gorm.DB, table any, where ...any) int64 {
	t.Helper()
	var n int64
	q := db.Model(table)
	if len(where) > 0 {
		q = q.Where(where[0], where[1:]...)
	}
	if err := q.Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}
