package model

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	gomysql "github.com/go-sql-driver/mysql"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// DBOptions says which database to open.
type DBOptions struct {
	MySQLDSN string // empty: embedded SQLite in DataDir
	DataDir  string
	// SQLitePath overrides the embedded file (tests use a temp dir).
	SQLitePath string
	Logger     logger.Interface // nil: silent
}

// Open connects to MySQL when opts.MySQLDSN is set (creating the database if
// it does not exist yet), else to an embedded SQLite file with WAL, a busy
// timeout and immediate transactions, so concurrent writers queue instead of
// failing with SQLITE_BUSY. Errors name what failed.
func Open(ctx context.Context, opts DBOptions) (*gorm.DB, error) {
	// Single statements need no transaction of their own; the services open
	// transactions where several statements must commit together.
	cfg := &gorm.Config{TranslateError: true, SkipDefaultTransaction: true, Logger: opts.Logger,
		NowFunc: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
	if cfg.Logger == nil {
		cfg.Logger = logger.Discard
	}
	if opts.MySQLDSN != "" {
		return openMySQL(ctx, opts.MySQLDSN, cfg)
	}
	path := opts.SQLitePath
	if path == "" {
		if err := os.MkdirAll(opts.DataDir, 0o750); err != nil {
			return nil, fmt.Errorf("SIYU_DATA_DIR %q: %w", opts.DataDir, err)
		}
		path = filepath.Join(opts.DataDir, "siyu.db")
	}
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_txlock=immediate"
	db, err := gorm.Open(sqlite.Open(dsn), cfg)
	if err != nil {
		return nil, fmt.Errorf("open embedded SQLite %s: %w", path, err)
	}
	sqlDB, _ := db.DB()
	sqlDB.SetMaxOpenConns(8)
	if err := sqlDB.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("open embedded SQLite %s: %w", path, err)
	}
	return db, nil
}

func openMySQL(ctx context.Context, dsn string, cfg *gorm.Config) (*gorm.DB, error) {
	mc, err := gomysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("SIYU_MYSQL_DSN: %w", err)
	}
	mc.ParseTime = true
	// Client-side parameter interpolation: one round trip per statement
	// instead of prepare, execute and close.
	mc.InterpolateParams = true
	if mc.Params == nil {
		mc.Params = map[string]string{}
	}
	if _, ok := mc.Params["charset"]; !ok {
		mc.Params["charset"] = "utf8mb4"
	}
	if err := ensureMySQLDatabase(ctx, mc); err != nil {
		return nil, err
	}
	db, err := gorm.Open(mysql.New(mysql.Config{DSN: mc.FormatDSN()}), cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to MySQL %s: %w", mc.Addr, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(64)
	sqlDB.SetMaxIdleConns(64)
	sqlDB.SetConnMaxLifetime(30 * time.Minute)
	if err := sqlDB.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("connect to MySQL %s: %w", mc.Addr, err)
	}
	// Set returns a chained instance; Session makes it safe to reuse.
	return db.Set("gorm:table_options", "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci").Session(&gorm.Session{}), nil
}

// ensureMySQLDatabase creates the DSN's database when the server says it
// does not exist, so a fresh MySQL needs no manual step.
func ensureMySQLDatabase(ctx context.Context, mc *gomysql.Config) (err error) {
	if mc.DBName == "" {
		return fmt.Errorf("SIYU_MYSQL_DSN: no database name (want …/siyu?…)")
	}
	probe, err := sql.Open("mysql", mc.FormatDSN())
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, probe.Close()) }()
	err = probe.PingContext(ctx)
	var me *gomysql.MySQLError
	if err == nil || !errors.As(err, &me) || me.Number != 1049 {
		if err != nil {
			return fmt.Errorf("connect to MySQL %s: %w", mc.Addr, err)
		}
		return nil
	}
	root := *mc
	root.DBName = ""
	admin, err := sql.Open("mysql", root.FormatDSN())
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, admin.Close()) }()
	name := strings.ReplaceAll(mc.DBName, "`", "")
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		return fmt.Errorf("create MySQL database %s: %w", name, err)
	}
	return nil
}

// IsMySQL reports whether db talks to MySQL (else SQLite).
func IsMySQL(db *gorm.DB) bool { return db.Dialector.Name() == "mysql" }

// IsDuplicate reports whether err is a unique-index violation.
func IsDuplicate(err error) bool { return errors.Is(err, gorm.ErrDuplicatedKey) }

// IsTxConflict reports whether err is a transient lock conflict after which
// the whole transaction can simply run again: a MySQL deadlock (1213) or
// lock wait timeout (1205).
func IsTxConflict(err error) bool {
	var me *gomysql.MySQLError
	return errors.As(err, &me) && (me.Number == 1213 || me.Number == 1205)
}
