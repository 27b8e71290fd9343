package tasks

// SegmentSyncDelay lets tests shorten the delay before sync tasks start
// (set it before starting a worker).
var SegmentSyncDelay = &segmentSyncDelay
