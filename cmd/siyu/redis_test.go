package main

import "os"

// testRedisURL is the real Redis CI provides, or "" for the embedded one.
func testRedisURL() string { return os.Getenv("TEST_REDIS_URL") }
