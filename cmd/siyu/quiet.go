package main

import (
	"io"

	"github.com/sirupsen/logrus"
)

// quietLibraryLogs stops silenceper/wechat from logging decrypted member
// messages: it logs through logrus at debug level by default.
func quietLibraryLogs() {
	logrus.SetLevel(logrus.WarnLevel)
	logrus.SetOutput(io.Discard)
}
