package model

import (
	"errors"

	gomysql "github.com/go-sql-driver/mysql"
)

// IsTxConflict reports whether err is a transaction that lost to a
// concurrent one and may simply be run again: a MySQL deadlock (1213) or
// lock wait timeout (1205).
func IsTxConflict(err error) bool {
	var me *gomysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1213 || me.Number == 1205
	}
	return false
}
